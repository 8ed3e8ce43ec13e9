package dev.lipreg.spark;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --data} and {@code --data-dir} of every {@code lipreg-spark} command: the dataset every executor reads. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "NAME", defaultValue = "fashion-mnist",
            description = "fashion-mnist, mnist, cifar10 or cifar100. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Dataset directory, readable on every executor. Default: ${DEFAULT-VALUE}.")
    Path dir;

    /** Checks the name and the files on the driver, before Spark starts: one clear error instead of failed tasks. */
    void check() {
        DataSet.parse("--data", name).check("--data-dir", dir);
    }

    /** The directory as every executor must see it. */
    String absoluteDir() {
        return dir.toAbsolutePath().toString();
    }
}
