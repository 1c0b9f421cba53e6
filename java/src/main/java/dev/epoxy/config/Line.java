package dev.epoxy.config;

import java.util.List;

/** One non-empty configuration line cut into words, with where it came from. */
record Line(String file, int number, List<String> words) {
    String where() {
        return file + ":" + number;
    }

    String word(int i) {
        return i < words.size() ? words.get(i) : null;
    }

    int size() {
        return words.size();
    }

    /** The words from {@code from} on, joined by spaces (for messages). */
    String tail(int from) {
        return String.join(" ", words.subList(Math.min(from, words.size()), words.size()));
    }
}
