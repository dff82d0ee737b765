/**
 * The {@code pe4j} command: {@code engines}, {@code extract}, {@code simulate}, {@code ipvsadm}.
 * Exit codes: 0 success, 1 a failed expectation, 2 bad usage or bad input (said on stderr with file
 * and line).
 */
@NullMarked
package io.pe4j.cli;

import org.jspecify.annotations.NullMarked;
