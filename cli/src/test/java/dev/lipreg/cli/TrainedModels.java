package dev.lipreg.cli;

import java.nio.file.Path;

/** Two tiny models trained once on {@link TinyData} through the CLI, for the commands that evaluate models. */
record TrainedModels(Path data, Path plain, Path robust) {

    static TrainedModels train(Path dir) {
        Path data = TinyData.write(dir.resolve("data"), 100, 40);
        Path spec = TinyData.cnnSpec(dir.resolve("tiny.json"));
        Path plain = dir.resolve("plain"), robust = dir.resolve("robust");
        run("train", "--model", spec.toString(), "--data-dir", data.toString(), "--epochs", "3", "--batch", "20", "--lr", "0.1",
                "--backend", "reference", "--out", plain.toString());
        run("train", "--model", spec.toString(), "--data-dir", data.toString(), "--epochs", "3", "--batch", "20", "--lr", "0.1",
                "--lip", "0.1", "--tv", "0.01", "--backend", "reference", "--out", robust.toString());
        return new TrainedModels(data, plain, robust);
    }

    private static void run(String... args) {
        CliRun r = CliRun.of(args);
        if (r.code() != 0) throw new IllegalStateException("training the test model failed: " + r.dump());
    }
}
