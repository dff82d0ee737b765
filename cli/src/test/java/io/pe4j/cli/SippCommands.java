package io.pe4j.cli;

import java.util.List;

/** SIPp command lines the end-to-end tests share: a uas server and the uac of the load runs. */
final class SippCommands {
  private SippCommands() {}

  /**
   * {@code sipp -sn uas} on 127.0.0.1:{@code port}, statistics every second to {@code NAME.csv}.
   */
  static List<String> uas(int port, String name) {
    return List.of(
        "sipp",
        "-sn",
        "uas",
        "-i",
        "127.0.0.1",
        "-p",
        Integer.toString(port),
        "-trace_stat",
        "-stf",
        name + ".csv",
        "-fd",
        "1",
        "-nostdin",
        "-trace_err",
        "-trace_msg");
  }

  /**
   * {@code sipp -sn uac} to 127.0.0.1:{@code vport}: {@code calls} calls at {@code rate}/s lasting
   * {@code millis} each, a socket per call ({@code -t un}), statistics every second to uac.csv.
   */
  static List<String> uac(int vport, int rate, int millis, int calls) {
    return List.of(
        "sipp",
        "-sn",
        "uac",
        "127.0.0.1:" + vport,
        "-i",
        "127.0.0.1",
        "-t",
        "un",
        "-max_socket",
        "4000",
        "-r",
        Integer.toString(rate),
        "-d",
        Integer.toString(millis),
        "-m",
        Integer.toString(calls),
        "-trace_stat",
        "-stf",
        "uac.csv",
        "-fd",
        "1",
        "-nostdin",
        "-timeout",
        "120s");
  }
}
