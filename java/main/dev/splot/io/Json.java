package dev.splot.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and string writer for safetensors headers, so splot needs no JSON
 * library. It reads objects (to {@link LinkedHashMap}, keeping key order; duplicate keys are an
 * error), arrays ({@link List}), strings with all JSON escapes, and integers ({@link Long}).
 * Fractions, exponents, {@code true}, {@code false} and {@code null} are rejected: a safetensors
 * header never needs them.
 */
final class Json {
    /** Deep nesting is never legitimate in a header; the limit keeps recursion off the stack edge. */
    static final int MAX_DEPTH = 64;

    /** A JSON syntax error at a character position. */
    static final class ParseException extends Exception {
        ParseException(String message) {
            super(message);
        }
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value that may be surrounded by whitespace and nothing else. */
    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWhitespace();
        if (p.pos == text.length()) {
            throw new ParseException("empty JSON");
        }
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected " + p.describeHere() + " after the end of the JSON value");
        }
        return v;
    }

    private Object value(int depth) throws ParseException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        if (pos >= s.length()) {
            throw error("unexpected end of JSON");
        }
        char c = s.charAt(pos);
        if (c == '{') {
            return object(depth);
        }
        if (c == '[') {
            return array(depth);
        }
        if (c == '"') {
            return string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return integer();
        }
        throw error("unexpected " + describeHere()
                + " (only objects, arrays, strings and integers are allowed)");
    }

    private Map<String, Object> object(int depth) throws ParseException {
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string key, found " + describeHere());
            }
            int keyPos = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth + 1);
            if (map.put(key, v) != null) {
                throw new ParseException("duplicate key \"" + key + "\" at position " + keyPos);
            }
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in object, found " + describeHere());
            }
        }
    }

    private List<Object> array(int depth) throws ParseException {
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth + 1));
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in array, found " + describeHere());
            }
        }
    }

    private String string() throws ParseException {
        int start = pos;
        pos++; // '"'
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw new ParseException("unterminated string starting at position " + start);
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character in string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) {
                throw new ParseException("unterminated string starting at position " + start);
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> b.append(hex4());
                default -> {
                    pos--;
                    throw error("invalid escape \\" + printable(e));
                }
            }
        }
    }

    private char hex4() throws ParseException {
        if (pos + 4 > s.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos), 16);
            if (d < 0) {
                throw error("invalid hex digit in \\u escape");
            }
            v = v * 16 + d;
            pos++;
        }
        return (char) v; // surrogate pairs come out as two chars, as Java strings store them
    }

    private Long integer() throws ParseException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == digits) {
            throw error("expected a digit after '-'");
        }
        if (s.charAt(digits) == '0' && pos - digits > 1) {
            throw new ParseException("leading zero in number at position " + start);
        }
        if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            throw error("only integers are allowed, found a fraction or exponent");
        }
        String text = s.substring(start, pos);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw new ParseException("integer " + abbreviate(text) + " at position " + start
                    + " does not fit in 64 bits");
        }
    }

    private void expect(char c) throws ParseException {
        if (peek() != c) {
            throw error("expected '" + c + "', found " + describeHere());
        }
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeHere() {
        return pos >= s.length() ? "end of JSON" : "'" + printable(s.charAt(pos)) + "'";
    }

    private ParseException error(String what) {
        return new ParseException(what + " at position " + pos);
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    private static String abbreviate(String t) {
        return t.length() <= 40 ? t : t.substring(0, 40) + "...";
    }

    /** Writes {@code v} as a JSON string literal. */
    static void quote(StringBuilder out, String v) {
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
