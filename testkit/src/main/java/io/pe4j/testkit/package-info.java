/**
 * What engine authors need to prove their engine: {@link io.pe4j.testkit.PersistenceEngineContract}
 * (the engine laws), seeded generators ({@link io.pe4j.testkit.Gen}, {@link
 * io.pe4j.testkit.SipGen}) and shrinking ({@link io.pe4j.testkit.Shrink}). The core's scenario
 * harness and virtual clock live with the core's tests.
 */
@NullMarked
package io.pe4j.testkit;

import org.jspecify.annotations.NullMarked;
