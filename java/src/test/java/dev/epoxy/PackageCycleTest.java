package dev.epoxy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code dev.epoxy} form no cycle (the layering of docs/design-notes.md, "Map"):
 * the JDK's jdeps reads the compiled main classes, class-level edges between two packages of
 * ours make the package graph, and every strongly connected component of more than one package
 * is a failure that names the class edges inside it, those against the documented layering first
 * in the reader's eye (marked), so the message says which imports to undo.
 */
class PackageCycleTest {
    private static final String ROOT = "dev.epoxy";
    /** jdeps -verbose:class: "   dev.epoxy.a.B   -> dev.epoxy.c.D   classes". */
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s");

    @Test
    void packageGraphIsAcyclic() throws Exception {
        Map<String, Map<String, Set<String>>> graph = packageGraph();
        assertTrue(graph.containsKey(ROOT + ".stream"), "jdeps saw no classes: " + graph.keySet());
        List<Set<String>> cycles = stronglyConnected(graph);
        if (cycles.isEmpty())
            return;
        StringBuilder b = new StringBuilder("package cycle(s) among " + ROOT + ".*");
        for (Set<String> scc : cycles) {
            b.append("\n  packages ").append(scc).append("; edges against the layering (marked !) close the cycle:");
            for (String from : scc)
                for (String to : scc) {
                    Set<String> edges = graph.get(from).get(to);
                    if (edges == null)
                        continue;
                    b.append("\n  ").append(upward(from, to) ? "! " : "  ").append(shortName(from)).append(" -> ")
                            .append(shortName(to)).append(": ").append(String.join(", ", edges));
                }
        }
        fail(b.toString());
    }

    /** package -> package -> the class edges ("a.B -> c.D") from the first to the second, ours only. */
    private static Map<String, Map<String, Set<String>>> packageGraph() throws Exception {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "main classes are not a directory: " + classes);
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assertNotNull(jdeps, "this JDK has no jdeps tool");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                classes.toString());
        assertTrue(rc == 0, "jdeps failed (" + rc + "): " + err);
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (!m.find())
                continue;
            String from = m.group(1), to = m.group(2);
            if (!ours(from) || !ours(to))
                continue;
            String pf = packageOf(from), pt = packageOf(to);
            graph.computeIfAbsent(pt, k -> new TreeMap<>());
            Map<String, Set<String>> edges = graph.computeIfAbsent(pf, k -> new TreeMap<>());
            if (!pf.equals(pt))
                edges.computeIfAbsent(pt, k -> new TreeSet<>()).add(simpleName(from) + " -> " + simpleName(to));
        }
        return graph;
    }

    /**
     * The layering of docs/design-notes.md, lowest first: a package may depend only on packages
     * before it ({@code h1} on {@code h2}, never the reverse). Used to point at the culprits in a
     * cycle; the test itself fails on cycles only.
     */
    private static final List<String> LAYERS = List.of("sys", "fd", "poller", "metrics", "http", "config", "conn",
            "stream", "h2", "h1", "cli", "proxy", "");

    /** {@code from -> to} goes up (or sideways into an unlisted package) in {@link #LAYERS}. */
    private static boolean upward(String from, String to) {
        int f = LAYERS.indexOf(layerName(from)), t = LAYERS.indexOf(layerName(to));
        return f < 0 || t < 0 || t > f;
    }

    private static String layerName(String pkg) {
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1);
    }

    private static boolean ours(String cls) {
        return cls.startsWith(ROOT + ".");
    }

    private static String packageOf(String cls) {
        return cls.substring(0, cls.lastIndexOf('.'));
    }

    /** "dev.epoxy.h1.H1BackMux" -> "h1.H1BackMux"; the root package and its classes keep their simple name. */
    private static String shortName(String name) {
        return name.equals(ROOT) ? "epoxy" : name.substring(ROOT.length() + 1);
    }

    private static String simpleName(String cls) {
        return cls.substring(cls.lastIndexOf('.') + 1);
    }

    /** Tarjan's algorithm: the components of more than one package. */
    private static List<Set<String>> stronglyConnected(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<Set<String>> result = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet())
            if (!index.containsKey(v))
                visit(v, graph, index, low, stack, onStack, counter, result);
        return result;
    }

    private static void visit(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, int[] counter, List<Set<String>> result) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.get(v).keySet()) {
            if (!index.containsKey(w)) {
                visit(w, graph, index, low, stack, onStack, counter, result);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> scc = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            if (scc.size() > 1)
                result.add(scc);
        }
    }
}
