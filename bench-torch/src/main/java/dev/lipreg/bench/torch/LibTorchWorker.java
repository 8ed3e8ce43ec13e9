package dev.lipreg.bench.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lipreg.bench.BenchData;
import dev.lipreg.bench.PeakRss;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The libtorch side of {@code dev.lipreg.bench.Compare}: serves the same JSON-line
 * protocol as {@code compare.py --serve}, running each step as one call of the
 * TorchScript module {@code compare.py --script} wrote ({@code ScriptSteps.step}),
 * so a step crosses JNI once and what is timed is libtorch's kernels and autograd.
 * DJL is used offline: the libtorch binaries come from pytorch-native-cpu on the
 * class path, never from the network ({@code ai.djl.offline=true}).
 *
 * <pre>
 * java -cp CLASSPATH dev.lipreg.bench.torch.LibTorchWorker --script steps.pt --model fashion-cnn \
 *      --threads 2 --batch 128 --seed 42 --data /usr/share/datasets/fashion-mnist
 * </pre>
 */
public final class LibTorchWorker implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final NDManager manager;
    private final PtSymbolBlock steps;
    private final PtNDArray[] xs, ys;
    private final Map<String, Object> info = new LinkedHashMap<>();
    private int next;

    LibTorchWorker(Path script, String model, int threads, int batch, long seed, Path data) {
        System.setProperty("ai.djl.offline", "true");
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        // the profiling executor's specialisation passes target inference graphs; for these autograd-heavy
        // steps they only add re-profiling: run the scripted ops as they were written (as eager PyTorch does)
        JniUtils.setGraphExecutorOptimize(Boolean.getBoolean("lipreg.torchscript.optimize"));
        manager = NDManager.newBaseManager();
        steps = JniUtils.loadModule((PtNDManager) manager, script, true, new String[0], new String[0], true);
        JniUtils.enableTrainingMode(steps);
        JniUtils.setGradMode(true); // thread-local in libtorch: every call comes from this thread
        BenchData d = BenchData.load(data, BenchData.imageFor(model), batch, 8, seed);
        xs = new PtNDArray[d.count()];
        ys = new PtNDArray[d.count()];
        Shape xShape = new Shape(batch, d.image()[0], d.image()[1], d.image()[2]);
        for (int b = 0; b < xs.length; b++) {
            xs[b] = (PtNDArray) manager.create(d.images()[b], xShape);
            long[] y = new long[batch];
            for (int i = 0; i < batch; i++) y[i] = d.labels()[b][i];
            ys[b] = (PtNDArray) manager.create(y);
        }
        info.put("torch", "libtorch " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ")");
        info.put("threads", JniUtils.getNumThreads());
        info.put("interop_threads", JniUtils.getNumInteropThreads());
        info.put("graph_executor_optimize", Boolean.getBoolean("lipreg.torchscript.optimize"));
        info.put("cpu_capability", System.getenv().getOrDefault("ATEN_CPU_CAPABILITY", "default (highest the CPU has)"));
        info.put("python", "TorchScript " + script.getFileName() + " via DJL, Java " + Runtime.version());
        info.put("data", d.source());
        info.put("batch", batch);
        info.put("model", model);
    }

    /** Milliseconds of each of {@code n} steps of {@code mode}, each one {@code ScriptSteps.step} call. */
    double[] run(String mode, int n) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            int b = next++ % xs.length;
            try (IValue m = IValue.from(mode); IValue x = IValue.from(xs[b]); IValue y = IValue.from(ys[b])) {
                long t0 = System.nanoTime();
                TrainingCall.run(steps, "step", m, x, y).close();
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    /** Loads LipReg's parameters and batch from {@code in}, writes the exact objective's parameter gradient to {@code out}. */
    double check(Path in, Path out) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(in)).order(ByteOrder.LITTLE_ENDIAN);
        float[] flat = new float[all.remaining() / Float.BYTES];
        all.asFloatBuffer().get(flat);
        try (NDManager scope = manager.newSubManager(); IValue current = IValueUtils.runMethod(steps, "params")) {
            PtNDArray[] params = current.toTensorArray((PtNDManager) scope);
            PtNDArray[] values = new PtNDArray[params.length];
            int at = 0;
            for (int i = 0; i < params.length; i++) {
                Shape s = params[i].getShape();
                values[i] = (PtNDArray) scope.create(java.util.Arrays.copyOfRange(flat, at, at + (int) s.size()), s);
                at += (int) s.size();
            }
            Shape xs0 = xs[0].getShape();
            int nx = (int) xs0.size(), batch = (int) xs0.get(0);
            if (at + nx + batch != flat.length) {
                throw new IllegalArgumentException("check file " + in + " holds " + flat.length + " floats, expected " + (at + nx + batch));
            }
            NDArray x = scope.create(java.util.Arrays.copyOfRange(flat, at, at + nx), xs0);
            long[] y = new long[batch];
            for (int i = 0; i < batch; i++) y[i] = Math.round(flat[at + nx + i]);
            NDArray yv = scope.create(y);
            try (IValue v = IValue.listFrom(values); IValue xv = IValue.from((PtNDArray) x); IValue yi = IValue.from((PtNDArray) yv);
                 IValue r = TrainingCall.run(steps, "check", v, xv, yi)) {
                PtNDArray[] res = r.toTensorArray((PtNDManager) scope);
                ByteBuffer o = ByteBuffer.allocate((at) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 1; i < res.length; i++) for (float f : res[i].toFloatArray()) o.putFloat(f);
                Files.write(out, o.array());
                return res[0].getFloat();
            }
        }
    }

    /**
     * Microseconds per tiny op called through DJL's Java API (1-element add, result
     * freed): the JNI and wrapper cost a Java program pays per op when it drives
     * libtorch op by op instead of through one TorchScript call.
     */
    double perOpMicros(int reps) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.create(new float[]{1}), b = scope.create(new float[]{2});
            for (int i = 0; i < reps / 10; i++) a.add(b).close();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) a.add(b).close();
            return (System.nanoTime() - t0) / 1e3 / reps;
        }
    }

    @Override
    public void close() {
        steps.close();
        manager.close();
    }

    /**
     * Serves the protocol on stdin/stdout until "quit" or end of input (logs go to stderr). A worker that cannot
     * start (missing script, unknown model, unreadable data) answers one {@code {"error": ...}} line instead of
     * "ready"; an unknown option or a malformed number throws before that.
     *
     * @param args {@code --script FILE} (required), {@code --model}, {@code --threads}, {@code --batch}, {@code --seed}, {@code --data}
     * @throws IOException if stdin or stdout fails
     */
    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        System.setOut(System.err); // stdout carries the protocol only
        Path script = null, data = null;
        String model = "fashion-cnn";
        int threads = 2, batch = 128;
        long seed = 42;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--script" -> script = Path.of(args[i + 1]);
                case "--model" -> model = args[i + 1];
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--data" -> data = args[i + 1].isEmpty() ? null : Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("LibTorchWorker: unknown option " + args[i]);
            }
        }
        LibTorchWorker w;
        try {
            if (script == null || !Files.isRegularFile(script)) throw new IllegalArgumentException("--script must name the TorchScript file compare.py --script wrote, got " + script);
            w = new LibTorchWorker(script, model, threads, batch, seed, data);
        } catch (RuntimeException | Error e) {
            out.println(JSON.createObjectNode().put("error", e.toString()));
            out.flush();
            return;
        }
        try (w; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))) {
            ObjectNode ready = JSON.createObjectNode().put("ready", true);
            ready.set("info", JSON.valueToTree(w.info));
            out.println(ready);
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                ObjectNode reply = JSON.createObjectNode();
                try {
                    JsonNode cmd = JSON.readTree(line);
                    switch (cmd.path("cmd").asText()) {
                        case "quit" -> {
                            return;
                        }
                        case "info" -> reply.set("info", JSON.valueToTree(w.info));
                        case "run" -> {
                            reply.put("mode", cmd.path("mode").asText());
                            var arr = reply.putArray("ms");
                            for (double v : w.run(cmd.path("mode").asText(), cmd.path("n").asInt(1))) arr.add(v);
                        }
                        case "check" -> reply.put("objective", w.check(Path.of(cmd.path("file").asText()), Path.of(cmd.path("out").asText())));
                        case "peak" -> {
                            if (cmd.path("reset").asBoolean(false)) PeakRss.reset(false);
                            reply.put("kib", PeakRss.kib());
                        }
                        case "per-op" -> reply.put("us", w.perOpMicros(cmd.path("reps").asInt(20000)));
                        default -> reply.put("error", "unknown command " + cmd.path("cmd"));
                    }
                } catch (IOException | RuntimeException e) {
                    reply.put("error", e.toString());
                }
                out.println(reply);
                out.flush();
            }
        }
    }
}
