package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real browser: Debian's chromium, headless, through chromedriver (installed
 * by {@code .ci/run}; this suite runs with {@code -Psipp}, the suites that need Debian packages).
 * {@code pe4j forward --metrics} with two servers under UDP checks every 2 s: the page shows both
 * up; one server stops and the page shows it down within one check interval of the failed probe
 * (the page reads its state every second); on a phone-sized window nothing is wider than the
 * screen; and every request the browser made went to the metrics endpoint. The control of the last:
 * a request to another host, made from the same page, is seen by the same check.
 */
@Tag("browser")
class StatusPageBrowserTest {

  /** A UDP server that answers "pong" until closed. */
  private static DatagramSocket pong() throws java.io.IOException {
    return Loopback.udpServer(
        request -> "pong".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  private static WebDriver chromium() {
    ChromeOptions o = new ChromeOptions();
    o.setBinary("/usr/bin/chromium");
    o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
    o.addArguments("--window-size=390,844"); // a phone
    o.setCapability("goog:loggingPrefs", Map.of(LogType.PERFORMANCE, "ALL"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
            .build();
    return new ChromeDriver(service, o);
  }

  /** Every URL the browser requested since the last call (the DevTools network log). */
  @SuppressWarnings("unchecked")
  private static List<String> requested(WebDriver browser) {
    List<String> urls = new ArrayList<>();
    for (LogEntry e : browser.manage().logs().get(LogType.PERFORMANCE)) {
      Map<String, Object> m = new Json().toType(e.getMessage(), Map.class);
      Map<String, Object> message = (Map<String, Object>) m.get("message");
      if (message != null && "Network.requestWillBeSent".equals(message.get("method"))) {
        Map<String, Object> params =
            (Map<String, Object>) java.util.Objects.requireNonNull(message.get("params"));
        Map<String, Object> request =
            (Map<String, Object>) java.util.Objects.requireNonNull(params.get("request"));
        urls.add(String.valueOf(request.get("url")));
      }
    }
    return urls;
  }

  private static void screenshot(WebDriver browser, Path to) throws java.io.IOException {
    Path shot =
        ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, to, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A server's row as the page shows it now, read in one step (the page redraws every 2 s). */
  @SuppressWarnings("unchecked")
  private static List<String> row(WebDriver browser, String selector) {
    Object cells =
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript(
                "const r = document.querySelector(arguments[0]);"
                    + " return r ? Array.from(r.cells).map(c => c.textContent) : [];",
                selector);
    return cells == null ? List.of() : (List<String>) cells;
  }

  private static String health(WebDriver browser, String server) {
    List<String> cells = row(browser, "tr[data-server='" + server + "']");
    return cells.size() > 3 ? cells.get(3) : "";
  }

  @Test
  void showsServersAndTheirHealth_aServerGoingDown_andAsksNothingOfAnotherHost() throws Exception {
    Path dir =
        Files.createDirectories(Path.of("target", "e2e-logs", "status-page").toAbsolutePath());
    DatagramSocket a = pong();
    DatagramSocket b = pong();
    String sa = "127.0.0.1:" + a.getLocalPort();
    String sb = "127.0.0.1:" + b.getLocalPort();
    int vport = Loopback.freeUdpPort();
    int http = Loopback.freeTcpPort();
    String vip = "-u 127.0.0.1:" + vport;
    String check = " udp send=ping expect=pong interval=2 timeout=1 fall=1 rise=1";
    Path rules =
        Files.write(
            dir.resolve("rules"),
            List.of(
                "-A " + vip + " -s rr -p 60 -M 0.0.0.0 -o --pe sip",
                "-a " + vip + " -r " + sa + " -m -w 1",
                "-a " + vip + " -r " + sb + " -m -w 3",
                "check " + vip + " -r " + sa + check,
                "check " + vip + " -r " + sb + check));
    try (Processes ps = Processes.fresh(dir.resolve("logs"))) {
      ps.pe4j(
          "forward",
          "forward",
          "--rules",
          rules.toString(),
          "--threads",
          "1",
          "--metrics",
          "127.0.0.1:" + http);
      ps.awaitLog("forward", "ready", 60);
      assertTrue(ps.log("forward").contains("status page http://127.0.0.1:" + http + "/"));
      // some calls through the service, so that rates and templates show
      java.util.concurrent.atomic.AtomicBoolean sending =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      Thread calls =
          new Thread(
              () -> {
                try (DatagramSocket client = new DatagramSocket()) {
                  for (int n = 0; sending.get(); n++) {
                    byte[] m =
                        ("OPTIONS sip:x SIP/2.0\r\nCall-ID: status-" + (n % 500) + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    client.send(
                        new DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", vport)));
                    Thread.sleep(5);
                  }
                } catch (java.io.IOException | InterruptedException e) {
                  // the test ends
                }
              },
              "calls");
      calls.setDaemon(true);
      calls.start();
      WebDriver browser = chromium();
      try {
        String page = "http://127.0.0.1:" + http + "/";
        browser.get(page);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.until(d -> health(d, sa).equals("UP") && health(d, sb).equals("UP"));
        String service = row(browser, "tr.service").get(0);
        assertTrue(service.contains(vip) && service.contains("pe sip"), service);
        List<String> cells = row(browser, "tr[data-server='" + sb + "']");
        assertEquals("Masq", cells.get(1));
        assertEquals("3", cells.get(2));
        assertTrue(cells.get(4).startsWith("ok"), cells.toString());

        // one server stops: its next probe (at most one interval later) meets ICMP port
        // unreachable (fall=1), and the page shows it down within one check interval after that
        b.close();
        long stopped = System.nanoTime();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> health(d, sb).equals("DOWN"));
        double seconds = (System.nanoTime() - stopped) / 1e9;
        System.out.printf("status page: the server shown down %.1f s after it stopped%n", seconds);
        assertTrue(seconds <= 2 * 2 + 0.5, "shown down " + seconds + " s after it stopped");
        assertEquals("UP", health(browser, sa), "the other server stays up");

        // a phone: the page is no wider than the screen (tables scroll inside their box)
        Number overflow =
            (Number)
                ((org.openqa.selenium.JavascriptExecutor) browser)
                    .executeScript(
                        "return document.documentElement.scrollWidth - window.innerWidth;");
        assertTrue(
            java.util.Objects.requireNonNull(overflow).intValue() <= 0,
            "the page is " + overflow + " px wider than a phone");

        screenshot(browser, dir.resolve("status-page-phone.png"));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1100, 640));
        Thread.sleep(2_500); // a refresh at this size
        screenshot(browser, dir.resolve("status-page.png")); // README's picture

        List<String> urls = requested(browser);
        assertTrue(urls.contains(page), "the page's own request is not in the log: " + urls);
        assertTrue(urls.stream().anyMatch(u -> u.equals(page + "status.json")), urls.toString());
        List<String> elsewhere = urls.stream().filter(u -> !u.startsWith(page)).toList();
        assertEquals(List.of(), elsewhere, "requests outside the metrics endpoint");

        // control: a request to another host from this page is seen by the same check (a
        // navigation: the page's Content-Security-Policy stops a fetch before it is a request)
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript("setTimeout(() => { location.href = 'http://192.0.2.1/asset'; }, 0);");
        Thread.sleep(500);
        List<String> control = requested(browser);
        assertTrue(
            control.stream().anyMatch(u -> u.startsWith("http://192.0.2.1/")),
            "the check does not see a request to another host: " + control);
      } finally {
        sending.set(false);
        browser.quit(); // the navigation of the control may still wait for 192.0.2.1
        a.close();
      }
    }
  }
}
