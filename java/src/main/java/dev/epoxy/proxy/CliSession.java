package dev.epoxy.proxy;

import dev.epoxy.config.StatsSocket.Level;
import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to the runtime API ({@code stats socket}), served on a poller thread like any
 * other connection: HAProxy's command syntax, one command per line or several separated by
 * {@code ;}, each answered by its output and an empty line; the connection closes after a line
 * unless {@code prompt} turned on interactive mode, where a {@code "> "} prompt follows each
 * answer until {@code quit}. Idle for {@code stats timeout}: closed.
 *
 * <p>Threading protocol: a session belongs to the poller thread its connection was accepted on
 * and every method runs there (I/O callback, task, completions). A command that needs other
 * threads' state ({@code show sess}, {@code show threads}, {@code show pools}, {@code shutdown
 * sessions}) is run by {@link Cli} on each poller through its queue; the last poller to finish
 * posts the assembled answer back to this session's poller ({@link #complete}). Until then the
 * session reads no further commands ({@code busy}). Nothing blocks: output waits in
 * {@link #pending} and goes out as the socket takes it, and input is not parsed while output is
 * pending (backpressure).
 */
final class CliSession implements Connection.Handler, Runnable {
    /** A line longer than this closes the connection (HAProxy's limit is one buffer). */
    private static final int MAX_LINE = 16384;

    private final Cli cli;
    private final Poller poller;
    private final Connection conn;
    private final Task task;
    private final Runnable onClose;
    Level level;
    private long timeoutMs;
    private boolean interactive;
    private final StringBuilder line = new StringBuilder();
    private final ArrayDeque<String> commands = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private boolean lineRunning, busy, closeAfterFlush, inputClosed, closed;

    private CliSession(Cli cli, Poller p, int fd, Level level, long timeoutMs, Runnable onClose) {
        this.cli = cli;
        this.poller = p;
        this.level = level;
        this.timeoutMs = timeoutMs;
        this.onClose = onClose;
        this.conn = Connection.accepted(p, fd, cli.buffers(), this);
        this.task = new Task(p, this);
    }

    static void start(Cli cli, Poller p, int fd, Level level, long timeoutMs, Runnable onClose) {
        CliSession s = new CliSession(cli, p, fd, level, timeoutMs, onClose);
        s.task.expireAt(p.nowMs() + timeoutMs);
        s.task.wakeup();
    }

    Poller poller() {
        return poller;
    }

    void setTimeout(long ms) {
        timeoutMs = ms;
    }

    void setInteractive(boolean on) {
        interactive = on;
    }

    boolean interactive() {
        return interactive;
    }

    @Override
    public void onIo(Connection c) {
        task.wakeup();
    }

    @Override
    public void run() {
        if (closed)
            return;
        if (task.expired() && !busy) {
            close();
            return;
        }
        for (int rounds = 0; rounds < 1024 && !closed; rounds++) {
            if (!pump())
                return;
            if (busy)
                return; // a command runs on other threads; complete() resumes
            if (!pending.isEmpty() || conn.pendingOut() > 0)
                return; // the socket has not taken everything: wait for write readiness
            if (closeAfterFlush) {
                close();
                return;
            }
            if (!commands.isEmpty() || lineRunning) {
                runCommands();
                continue;
            }
            if (!nextLine())
                return;
        }
        task.wakeup(); // yield after a long burst of commands
    }

    /** Runs the queued commands of the current line until one goes asynchronous. */
    private void runCommands() {
        while (!commands.isEmpty()) {
            String cmd = commands.poll();
            String out = cli.execute(cmd, this);
            if (closed)
                return;
            if (out == null) {
                busy = true; // complete() delivers the answer
                return;
            }
            answer(out);
        }
        lineRunning = false;
        if (interactive)
            write("> ");
        else
            closeAfterFlush = true;
    }

    /** The answer of a command that ran on the poller threads; on this session's thread. */
    void complete(String out) {
        if (closed)
            return;
        busy = false;
        answer(out);
        run();
    }

    private void answer(String out) {
        write(out);
        write("\n");
    }

    /** Ends the session at once (the {@code quit} command, errors, timeout). */
    void quit() {
        close();
    }

    /** Takes the next complete line from the input, reading the socket as needed; false to wait. */
    private boolean nextLine() {
        while (true) {
            ByteBuffer in = conn.in;
            while (in.hasRemaining()) {
                char ch = (char) (in.get() & 0xff);
                if (ch == '\n') {
                    startLine();
                    return true;
                }
                if (line.length() >= MAX_LINE) {
                    close();
                    return false;
                }
                line.append(ch);
            }
            if (inputClosed) {
                if (line.length() > 0) { // a last command without its newline
                    startLine();
                    return true;
                }
                close();
                return false;
            }
            int n = conn.recv();
            if (n > 0) {
                task.expireAt(poller.nowMs() + timeoutMs);
                continue;
            }
            if (n < 0)
                inputClosed = true;
            else
                return false;
        }
    }

    private void startLine() {
        String l = line.toString();
        line.setLength(0);
        if (l.endsWith("\r"))
            l = l.substring(0, l.length() - 1);
        List<String> cmds = split(l);
        if (cmds.isEmpty()) {
            if (interactive)
                write("> ");
            else
                closeAfterFlush = true;
            return;
        }
        commands.addAll(cmds);
        lineRunning = true;
    }

    /** Splits a line at unescaped {@code ;} (HAProxy accepts {@code \;} inside a command). */
    static List<String> split(String l) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (c == '\\' && i + 1 < l.length() && l.charAt(i + 1) == ';') {
                cur.append(';');
                i++;
            } else if (c == ';') {
                if (!cur.toString().isBlank())
                    out.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.toString().isBlank())
            out.add(cur.toString().strip());
        return out;
    }

    private void write(String s) {
        if (!s.isEmpty())
            pending.add(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** Moves pending output into the connection and flushes; false when the session ended. */
    private boolean pump() {
        while (true) {
            // The output buffer is taken only when there is something to send; a flush that
            // empties it gives it back.
            ByteBuffer out = pending.isEmpty() ? null : conn.out();
            while (out != null && !pending.isEmpty() && out.hasRemaining()) {
                ByteBuffer p = pending.peek();
                int n = Math.min(p.remaining(), out.remaining());
                out.put(out.position(), p, p.position(), n);
                out.position(out.position() + n);
                p.position(p.position() + n);
                if (!p.hasRemaining())
                    pending.poll();
            }
            if (conn.pendingOut() == 0)
                return true;
            boolean all = conn.flush();
            if (conn.has(Connection.ERROR)) {
                close();
                return false;
            }
            if (!all)
                return true; // write polling requested; onIo wakes us
            task.expireAt(poller.nowMs() + timeoutMs);
        }
    }

    private void close() {
        if (closed)
            return;
        closed = true;
        task.destroy();
        conn.close();
        onClose.run();
    }
}
