package io.pe4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** keepalived.conf's syntax: words, quoted strings, blocks, comments from # or !. */
final class KeepalivedSyntax {

  /** A statement: a keyword, its words, its line, and its block if it has one. */
  record Statement(String name, List<String> args, int line, List<Statement> children) {}

  private KeepalivedSyntax() {}

  /** The statements of a keepalived.conf text; errors name {@code file} and the line. */
  static List<Statement> parse(Path file, String text) {
    List<String> tokens = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    String[] ls = text.split("\n", -1);
    for (int i = 0; i < ls.length; i++) {
      tokenize(file, ls[i], i + 1, tokens, lines);
    }
    int[] pos = {0};
    List<Statement> out = block(file, tokens, lines, pos, false);
    return out;
  }

  private static void tokenize(
      Path file, String line, int number, List<String> tokens, List<Integer> lines) {
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == '#' || c == '!') {
        return;
      }
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '{' || c == '}') {
        tokens.add(String.valueOf(c));
        lines.add(number);
        i++;
      } else if (c == '"') {
        int end = line.indexOf('"', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException(file + ":" + number + ": unclosed quote");
        }
        tokens.add(line.substring(i + 1, end));
        lines.add(number);
        i = end + 1;
      } else {
        int start = i;
        while (i < line.length()
            && !Character.isWhitespace(line.charAt(i))
            && "{}#!\"".indexOf(line.charAt(i)) < 0) {
          i++;
        }
        tokens.add(line.substring(start, i));
        lines.add(number);
      }
    }
  }

  private static List<Statement> block(
      Path file, List<String> t, List<Integer> lines, int[] pos, boolean nested) {
    List<Statement> out = new ArrayList<>();
    while (pos[0] < t.size()) {
      String tok = t.get(pos[0]);
      int line = lines.get(pos[0]);
      if (tok.equals("}")) {
        if (!nested) {
          throw new IllegalArgumentException(file + ":" + line + ": '}' without '{'");
        }
        pos[0]++;
        return out;
      }
      if (tok.equals("{")) {
        throw new IllegalArgumentException(file + ":" + line + ": '{' without a keyword");
      }
      pos[0]++;
      List<String> args = new ArrayList<>();
      List<Statement> children = List.of();
      while (pos[0] < t.size() && lines.get(pos[0]) == line) {
        String a = t.get(pos[0]);
        if (a.equals("}")) {
          break;
        }
        pos[0]++;
        if (a.equals("{")) {
          children = block(file, t, lines, pos, true);
          break;
        }
        args.add(a);
      }
      if (children.isEmpty()
          && pos[0] < t.size()
          && t.get(pos[0]).equals("{")
          && lines.get(pos[0]) == line + 1) {
        pos[0]++; // a brace on the next line
        children = block(file, t, lines, pos, true);
      }
      out.add(new Statement(tok, args, line, children));
    }
    if (nested) {
      throw new IllegalArgumentException(file + ": a block is not closed ('}' missing)");
    }
    return out;
  }
}
