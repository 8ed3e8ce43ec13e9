package dev.lipreg.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worker process that times steps on request (compare.py --serve, or a child JVM
 * running {@code Compare --worker}): one JSON command per line on its stdin, one
 * JSON answer per line on its stdout; its first line is {"ready": true, "info": {...}}
 * or {"error": "..."}. Its stderr is drained and its tail quoted in errors.
 */
final class ProcessRunner implements StepRunner {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The worker could not start or answered with an error. */
    static final class WorkerException extends RuntimeException {
        WorkerException(String message) {
            super(message);
        }
    }

    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final StderrTail err;
    private final Map<String, Object> info;

    private ProcessRunner(String name, Process process) {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.err = new StderrTail(process.getErrorStream(), name);
        JsonNode first = read();
        if (!first.path("ready").asBoolean(false)) {
            destroy();
            throw new WorkerException(name + " did not start: " + first.path("error").asText(first.toString()) + err.quoted());
        }
        this.info = toMap(first.path("info"));
    }

    /** Starts {@code command} with extra environment variables and waits for its ready line. */
    static ProcessRunner start(String name, List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        try {
            return new ProcessRunner(name, pb.start());
        } catch (IOException e) {
            throw new WorkerException(name + " could not be started (" + String.join(" ", command) + "): " + e.getMessage());
        }
    }

    @Override
    public double[] run(Mode mode, int n) {
        ObjectNode cmd = JSON.createObjectNode().put("cmd", "run").put("mode", mode.id()).put("n", n);
        JsonNode r = request(cmd);
        JsonNode ms = r.path("ms");
        if (!ms.isArray() || ms.size() != n) throw new WorkerException(name + " answered " + r + " to " + cmd);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = ms.get(i).asDouble();
        return v;
    }

    @Override
    public Roofline.Result sgemm(int n, int reps) {
        JsonNode r = request(JSON.createObjectNode().put("cmd", "sgemm").put("n", n).put("reps", reps));
        return new Roofline.Result(r.path("n").asInt(n), r.path("best_gflops").asDouble(), r.path("median_gflops").asDouble());
    }

    @Override
    public long peakKib(boolean reset) {
        return request(JSON.createObjectNode().put("cmd", "peak").put("reset", reset)).path("kib").asLong(-1);
    }

    @Override
    public double exportCheck(java.nio.file.Path in, java.nio.file.Path out) {
        return request(JSON.createObjectNode().put("cmd", "export-check").put("file", in.toString()).put("out", out.toString()))
                .path("objective").asDouble(Double.NaN);
    }

    @Override
    public double check(java.nio.file.Path in, java.nio.file.Path out) {
        return request(JSON.createObjectNode().put("cmd", "check").put("file", in.toString()).put("out", out.toString()))
                .path("objective").asDouble(Double.NaN);
    }

    @Override
    public double perOpMicros() {
        return request(JSON.createObjectNode().put("cmd", "per-op")).path("us").asDouble(-1);
    }

    @Override
    public Map<String, Object> info() {
        return info;
    }

    JsonNode request(ObjectNode cmd) {
        try {
            in.write(JSON.writeValueAsString(cmd));
            in.write('\n');
            in.flush();
        } catch (IOException e) {
            throw new WorkerException(name + " stopped taking commands: " + e.getMessage() + err.quoted());
        }
        JsonNode r = read();
        if (r.has("error")) throw new WorkerException(name + ": " + r.get("error").asText() + " (command " + cmd + ")");
        return r;
    }

    private JsonNode read() {
        String line;
        try {
            line = out.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " output could not be read", e);
        }
        if (line == null) {
            waitQuietly();
            throw new WorkerException(name + " exited" + (process.isAlive() ? "" : " with status " + process.exitValue())
                    + " without answering" + err.quoted());
        }
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new WorkerException(name + " wrote a line that is not JSON: " + abbreviate(line) + err.quoted());
        }
    }

    private void waitQuietly() {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
            err.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> toMap(JsonNode node) {
        return node.isObject() ? JSON.convertValue(node, Map.class) : Map.of();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        try {
            in.write("{\"cmd\": \"quit\"}\n");
            in.flush();
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroy();
        }
    }

    private void destroy() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Drains a stream, keeping its last few kilobytes. */
    private static final class StderrTail extends Thread {
        private static final int KEEP = 4000;
        private final InputStream stream;
        private final StringBuilder tail = new StringBuilder();

        StderrTail(InputStream stream, String name) {
            super(name + "-stderr");
            this.stream = stream;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (tail) {
                        tail.append(line).append('\n');
                        if (tail.length() > 2 * KEEP) tail.delete(0, tail.length() - KEEP);
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }

        String quoted() {
            synchronized (tail) {
                String t = tail.length() > KEEP ? tail.substring(tail.length() - KEEP) : tail.toString();
                return t.isBlank() ? "" : "; its stderr ends with:\n" + t.strip();
            }
        }
    }
}
