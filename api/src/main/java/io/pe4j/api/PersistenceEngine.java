package io.pe4j.api;

/**
 * A persistence engine: adds an extra key, its <em>pe data</em>, to IPVS connection templates, as
 * the kernel's {@code struct ip_vs_pe} does. The {@code sip} engine's pe data is the SIP Call-ID,
 * so that every datagram of one call reaches the same real server.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Stateless and thread-safe.</b> One instance serves every service and thread at once;
 *       state lives in templates, never in the engine.
 *   <li><b>Never throws.</b> {@link #fillParam} sees hostile bytes; "cannot find my key" is a
 *       {@link PeResult#noMatch no-match result} with a reason, not an exception. The core still
 *       guards against a throwing engine, counting it as the no-match reason {@code "engine
 *       error"}, but a throw is a bug.
 *   <li><b>Reads only its window.</b> The payload is {@code datagram.payload()} from {@code
 *       payloadOffset()} for {@code payloadLength()} bytes; bytes outside it belong to the host.
 *       The buffer's content, position and limit must be left as they were.
 *   <li><b>Match and hash agree.</b> If {@link #ctMatch} is true for a parameter and a template,
 *       {@link #hashKey} of the parameter equals the hash of a parameter rebuilt from the template;
 *       {@code hashKey} depends on the pe data only and mixes in the seed.
 * </ul>
 *
 * <p>An engine is found through {@link java.util.ServiceLoader}: list it in {@code
 * META-INF/services/io.pe4j.api.PersistenceEngine} and, on the module path, {@code provides
 * io.pe4j.api.PersistenceEngine with ...}. The {@code pe4j-testkit} artifact checks all of this.
 */
public interface PersistenceEngine {

  /**
   * Returns the engine's name, its identity: 1 to 16 printable ASCII characters without whitespace,
   * compared case-sensitively (ipvsadm's {@code --pe NAME}).
   */
  String name();

  /** Returns a one-line description for {@code pe4j engines}. */
  default String description() {
    return name() + " persistence engine";
  }

  /**
   * Extracts the engine's key from {@code datagram} into {@code param}. The core has filled the key
   * fields of {@code param}; on success the engine sets the pe data with {@link
   * ConnParam#match(java.nio.ByteBuffer, int, int)} and returns its result.
   *
   * @return {@link PeResult#MATCH} after setting the pe data, or a no-match result with a reason
   */
  PeResult fillParam(ConnParam param, Datagram datagram);

  /**
   * Returns whether {@code template} is the template for {@code param}: equal key fields and equal
   * pe data. The default compares the key fields ({@link ConnParam#keyFieldsMatch}) and the pe data
   * byte for byte, as the kernel's SIP engine does.
   */
  default boolean ctMatch(ConnParam param, TemplateView template) {
    return param.keyFieldsMatch(template) && param.peDataEquals(template.peData());
  }

  /**
   * Returns the hash that places {@code param}'s template, from the pe data only, mixed with the
   * core's per-instance random {@code seed}. The default is {@link ConnParam#peDataHash(int)}.
   */
  default int hashKey(ConnParam param, int seed) {
    return param.peDataHash(seed);
  }

  /**
   * Returns the template's pe data as listings print it ({@code ipvsadm -Lcn --persistent-conn}).
   * It must contain no CR, LF or other control characters; the default prints bytes 0x20..0x7e as
   * they are and every other byte as {@code \xHH}.
   */
  default String showPeData(TemplateView template) {
    PeData data = template.peData();
    return data == null ? "" : data.toPrintableString();
  }

  /**
   * Returns whether the engine handles datagrams originated by a real server (the kernel's {@code
   * conn_out}, spec §6.10), in which case the core calls {@link #connOut} for them.
   */
  default boolean supportsConnOut() {
    return false;
  }

  /**
   * Extracts the pe data from a datagram sent by a real server to a client, so that the core can
   * refresh or re-bind the template of that key to the sending server. {@code param} is keyed on
   * the client (the datagram's destination) and the virtual service. The default reports {@code
   * "conn_out not supported"}.
   */
  default PeResult connOut(ConnParam param, Datagram datagram) {
    return CONN_OUT_UNSUPPORTED;
  }

  /** The result of the default {@link #connOut}. */
  PeResult CONN_OUT_UNSUPPORTED = PeResult.noMatch("conn_out not supported");
}
