/** JMH benchmarks and the memory measurement behind BENCHMARKS.md. */
@NullMarked
package io.pe4j.bench;

import org.jspecify.annotations.NullMarked;
