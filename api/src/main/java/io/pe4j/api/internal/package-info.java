/**
 * Not API: what the core shares with the registry ({@link io.pe4j.api.internal.EngineUses}).
 * Exported to {@code io.pe4j.core} only; engine authors never need it.
 */
@NullMarked
package io.pe4j.api.internal;

import org.jspecify.annotations.NullMarked;
