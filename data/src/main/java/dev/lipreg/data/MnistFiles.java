package dev.lipreg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Finds the four MNIST-style files in a directory. Accepts the names of the original distribution and
 * Debian's dataset packages ({@code train-images-idx3-ubyte.gz}), their uncompressed forms, and the
 * dotted variant some mirrors use ({@code train-images.idx3-ubyte}).
 */
final class MnistFiles {
    private MnistFiles() {}

    static Dataset load(Path dir, Split split, String datasetName, String displayName) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        Path images = locate(dir, prefix + "-images", "idx3-ubyte", displayName, split);
        Path labels = locate(dir, prefix + "-labels", "idx1-ubyte", displayName, split);
        return IdxReader.read(images, labels, 10, datasetName + "-" + split.name().toLowerCase(Locale.ROOT));
    }

    static Path locate(Path dir, String stem, String suffix, String displayName, Split split)
            throws NoSuchFileException {
        List<String> names = new ArrayList<>();
        for (String base : List.of(stem + "-" + suffix, stem + "." + suffix)) {
            names.add(base + ".gz");
            names.add(base);
        }
        for (String name : names) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NoSuchFileException(dir.toString(), null, "no " + displayName + " " + split
                + " " + stem.substring(stem.indexOf('-') + 1) + " file, expected one of " + names);
    }
}
