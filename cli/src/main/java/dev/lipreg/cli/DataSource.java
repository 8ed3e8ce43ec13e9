package dev.lipreg.cli;

import dev.lipreg.errors.BadInputFileException;
import dev.lipreg.data.CifarReader;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.DatasetFormatException;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Mnist;
import dev.lipreg.data.Split;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The datasets the CLI reads, their default directories and how to get them. */
enum DataSource {
    FASHION_MNIST("fashion-mnist", "/usr/share/datasets/fashion-mnist",
            "install it with 'apt-get install dataset-fashion-mnist' (Debian) or pass --data-dir"),
    MNIST("mnist", "/usr/share/datasets/mnist",
            "put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz there or pass --data-dir"),
    CIFAR10("cifar10", "/usr/share/datasets/cifar10",
            "unpack the CIFAR-10 binary version (cifar-10-batches-bin) there or pass --data-dir"),
    CIFAR100("cifar100", "/usr/share/datasets/cifar100",
            "unpack the CIFAR-100 binary version (cifar-100-binary) there or pass --data-dir");

    final String id;
    final Path defaultDir;
    final String howToGet;

    DataSource(String id, String defaultDir, String howToGet) {
        this.id = id;
        this.defaultDir = Path.of(defaultDir);
        this.howToGet = howToGet;
    }

    static DataSource parse(String option, String name) {
        for (DataSource d : values()) if (d.id.equals(name.toLowerCase(Locale.ROOT))) return d;
        throw BadInputException.of(option, "one of " + ids(), "'" + name + "'");
    }

    static String ids() {
        return Arrays.stream(values()).map(d -> d.id).collect(Collectors.joining(", "));
    }

    /** Loads a split; a missing dataset or file is bad input with directions, a corrupt one names the file. */
    Dataset load(Path dir, Split split) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(id + " dataset not found: no directory " + dir + "; " + howToGet);
        }
        try {
            return switch (this) {
                case FASHION_MNIST -> FashionMnist.load(dir, split);
                case MNIST -> Mnist.load(dir, split);
                case CIFAR10 -> CifarReader.cifar10(dir, split);
                case CIFAR100 -> CifarReader.cifar100(dir, split);
            };
        } catch (dev.lipreg.data.DataTooLargeException e) {
            throw new BadInputException(id + " dataset too large: " + e.getMessage(), e);
        } catch (DatasetFormatException e) {
            throw new BadInputException("corrupt " + id + " file: " + e.getMessage(), e);
        } catch (BadInputFileException e) {
            if (e.getCause() instanceof NoSuchFileException n) {
                throw new BadInputException(id + " dataset incomplete in " + dir + ": " + (n.getReason() != null ? n.getReason() : n.getFile())
                        + "; " + howToGet, e);
            }
            throw new BadInputException("cannot read " + id + " from " + dir + ": " + e.getMessage(), e);
        }
    }
}
