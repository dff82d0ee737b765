package io.pe4j.bench;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap per live SIP template: a core with the seed's line holding N templates, measured
 * with JOL (the object graph reachable from the core, less an empty core's) and cross-checked by
 * the heap delta after GC. The Call-ID byte arrays are reported separately.
 *
 * <p>Run: {@code java -Djdk.attach.allowAttachSelf=true -Xmx8g -cp bench/target/benchmarks.jar
 * io.pe4j.bench.MemoryPerTemplate [N] [CAFFEINE|TABLE]}.
 */
public final class MemoryPerTemplate {

  private MemoryPerTemplate() {}

  /** Prints the measurement. */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Ipvs.TemplateStoreKind store =
        Ipvs.TemplateStoreKind.valueOf(args.length > 1 ? args[1] : "CAFFEINE");
    Ipvs ipvs = Ipvs.builder().maxTemplates(n + 1L).seed(42).templateStore(store).build();
    ipvs.ipvsadm("-A -u 10.4.3.192:5060 -s rr -p 2678400 -M 0.0.0.0 -o --pe sip");
    for (int k = 1; k <= 3; k++) {
      ipvs.ipvsadm("-a -u 10.4.3.192:5060 -r 192.168.10." + k + ":5060 -m");
    }
    IpAddress client = IpAddress.parse("198.51.100.10");
    IpAddress vip = IpAddress.parse("10.4.3.192");
    Datagram d = new Datagram();
    byte[] first = Messages.invite(n + 7L);
    ipvs.process(
        d.set(Protocol.UDP, client, 5060, vip, 5060)
            .payload(ByteBuffer.wrap(first), 0, first.length));
    ipvs.cleanUp();
    long baseline = GraphLayout.parseInstance(ipvs).totalSize();
    long heapBefore = usedAfterGc();
    for (int i = 0; i < n - 1; i++) {
      byte[] p = Messages.invite(i);
      ipvs.process(
          d.set(Protocol.UDP, client, 5060, vip, 5060).payload(ByteBuffer.wrap(p), 0, p.length));
    }
    ipvs.cleanUp();
    long heapAfter = usedAfterGc();
    GraphLayout layout = GraphLayout.parseInstance(ipvs);
    long total = layout.totalSize();
    int callIdLength = Messages.callId(0).length();
    long perTemplate = (total - baseline) / (n - 1);
    // a byte[] of the Call-ID: 16-byte array header (64-bit, compressed oops) plus data, 8-aligned;
    // the footprint below lists the byte[] total to check it against
    long arraysPerTemplate = (16 + callIdLength + 7) / 8 * 8;
    System.out.printf("store: %s%n", store);
    System.out.printf(
        "templates:                          %,d (Call-IDs of %d bytes)%n",
        ipvs.templateCount(), callIdLength);
    System.out.printf("JOL, retained per template:         %d bytes%n", perTemplate);
    System.out.printf(
        "  of which the Call-ID byte[]:      %d bytes (%d data + array header and padding)%n",
        arraysPerTemplate, callIdLength);
    System.out.printf(
        "  besides the Call-ID bytes:        %d bytes%n", perTemplate - arraysPerTemplate);
    // the pe data is the PeData object and its byte[]: what #18 counts a template "besides"
    long peDataObject =
        GraphLayout.parseInstance(io.pe4j.api.PeData.of(new byte[] {1})).totalSize()
            - (16 + 1 + 7) / 8 * 8;
    System.out.printf(
        "  besides the pe data (PeData %d bytes + the Call-ID byte[]): %d bytes%n",
        peDataObject, perTemplate - arraysPerTemplate - peDataObject);
    System.out.printf(
        "heap delta after GC, per template:  %d bytes%n", (heapAfter - heapBefore) / (n - 1));
    System.out.println("classes with one instance (or more) per template:");
    layout
        .toFootprint()
        .lines()
        .filter(
            l ->
                l.strip().matches("\\d+ .*") && Long.parseLong(l.strip().split("\\s+")[0]) >= n - 1)
        .forEach(System.out::println);
    if (ipvs.templateCount() != n) {
      throw new IllegalStateException("expected " + n + " templates");
    }
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
