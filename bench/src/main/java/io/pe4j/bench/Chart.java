package io.pe4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws cost per operation against live templates (log scale) as SVG from JMH JSON results of
 * {@link TemplatePath}: {@code java -cp bench/target/benchmarks.jar io.pe4j.bench.Chart
 * RESULT.json... OUT.svg}.
 */
public final class Chart {

  private Chart() {}

  private static final Pattern RESULT =
      Pattern.compile(
          "\"benchmark\"\\s*:\\s*\"[^\"]*TemplatePath\\.(\\w+)\".*?\"threads\"\\s*:\\s*(\\d+).*?\"templates\"\\s*:\\s*\"(\\d+)\".*?"
              + "\"primaryMetric\"\\s*:\\s*\\{\\s*\"score\"\\s*:\\s*([0-9.Ee+-]+)\\s*,\\s*\"scoreError\"\\s*:\\s*\"?([0-9.Ee+-]+|NaN)",
          Pattern.DOTALL);

  /** Reads the result files and writes the chart. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: Chart RESULT.json... OUT.svg");
      System.exit(2);
    }
    Map<String, Map<Long, double[]>> series = new TreeMap<>();
    for (int i = 0; i < args.length - 1; i++) {
      String json = Files.readString(Path.of(args[i]), StandardCharsets.UTF_8);
      for (String entry : json.split("\\n    \\{")) {
        Matcher m = RESULT.matcher(entry);
        if (m.find()) {
          String name =
              m.group(1) + " (" + m.group(2) + (m.group(2).equals("1") ? " thread)" : " threads)");
          double err = m.group(5).equals("NaN") ? 0 : Double.parseDouble(m.group(5));
          series
              .computeIfAbsent(name, k -> new TreeMap<>())
              .put(Long.parseLong(m.group(3)), new double[] {Double.parseDouble(m.group(4)), err});
        }
      }
    }
    Files.writeString(Path.of(args[args.length - 1]), svg(series), StandardCharsets.UTF_8);
  }

  static String svg(Map<String, Map<Long, double[]>> series) {
    int w = 720;
    int h = 420;
    int left = 70;
    int right = 230;
    int top = 40;
    int bottom = 60;
    double maxY = 0;
    for (Map<Long, double[]> s : series.values()) {
      for (double[] v : s.values()) {
        maxY = Math.max(maxY, v[0] + v[1]);
      }
    }
    maxY = Math.ceil(maxY / 100) * 100;
    double x0 = 3;
    double x1 = 7;
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            w,
            h));
    sb.append(
        String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    sb.append("<text x=\"")
        .append(left)
        .append(
            "\" y=\"22\" font-size=\"14\">Cost per datagram vs live templates (TemplatePath, JMH)</text>\n");
    int pw = w - left - right;
    int ph = h - top - bottom;
    for (int e = 3; e <= 7; e++) {
      double x = left + (e - x0) / (x1 - x0) * pw;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
              x,
              top,
              x,
              top + ph));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">10^%d</text>%n",
              x,
              top + ph + 18,
              e));
    }
    for (int k = 0; k <= 5; k++) {
      double v = maxY * k / 5;
      double y = top + ph - v / maxY * ph;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
              left,
              y,
              left + pw,
              y));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n",
              left - 6,
              y + 4,
              v));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">live templates</text>%n",
            left + pw / 2,
            h - 18));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">ns per operation</text>%n",
            top + ph / 2,
            top + ph / 2));
    String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
    int c = 0;
    for (Map.Entry<String, Map<Long, double[]>> s : series.entrySet()) {
      String color = colors[c % colors.length];
      List<String> points = new ArrayList<>();
      for (Map.Entry<Long, double[]> p : s.getValue().entrySet()) {
        double x = left + (Math.log10(p.getKey()) - x0) / (x1 - x0) * pw;
        double y = top + ph - p.getValue()[0] / maxY * ph;
        double e = p.getValue()[1] / maxY * ph;
        points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        sb.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x,
                y - e,
                x,
                y + e,
                color));
        sb.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                x,
                y,
                color));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              color,
              String.join(" ", points)));
      int ly = top + 10 + c * 18;
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
              w - right + 15,
              ly - 10,
              color));
      sb.append(
          String.format(
              Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", w - right + 32, ly, s.getKey()));
      c++;
    }
    return sb.append("</svg>\n").toString();
  }
}
