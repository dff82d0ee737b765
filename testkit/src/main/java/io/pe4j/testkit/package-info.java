/**
 * What engine authors and core users need to prove their code: {@link
 * io.pe4j.testkit.PersistenceEngineContract} (the engine laws), seeded generators ({@link
 * io.pe4j.testkit.Gen}, {@link io.pe4j.testkit.SipMessages}), {@link io.pe4j.testkit.VirtualClock}
 * and {@link io.pe4j.testkit.Scenario} (ipvsadm lines and datagrams in virtual time).
 */
@NullMarked
package io.pe4j.testkit;

import org.jspecify.annotations.NullMarked;
