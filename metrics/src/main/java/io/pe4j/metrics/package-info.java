/** pe4j's meters for Micrometer: {@link io.pe4j.metrics.Pe4jMetrics}. */
@NullMarked
package io.pe4j.metrics;

import org.jspecify.annotations.NullMarked;
