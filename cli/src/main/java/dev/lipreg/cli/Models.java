package dev.lipreg.cli;

import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Presets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Model specs from a preset name or a JSON file, checked against the data they will see. */
final class Models {
    private Models() {
    }

    /** {@code value} is a preset name (sized for [C,H,W] and {@code classes}) or a spec JSON path. */
    static ModelSpec resolve(String option, String value, int[] chw, int classes) {
        if (Presets.NAMES.contains(value)) return Presets.spec(value, chw, classes);
        Path file = Path.of(value);
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(option, "a preset (" + String.join(", ", Presets.NAMES) + ") or a model spec JSON file",
                    "'" + value + "' (no such preset or file)");
        }
        ModelSpec spec = read(option, file);
        checkFits(option, spec, chw, classes);
        return spec;
    }

    static ModelSpec read(String option, Path file) {
        if (!Files.isRegularFile(file)) throw BadInputException.of(option, "a model spec JSON file", file + " (no such file)");
        try {
            return ModelSpec.read(file);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BadInputException(option + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void checkFits(String option, ModelSpec spec, int[] chw, int classes) {
        if (!Arrays.equals(spec.input(), chw) || spec.classes() != classes) {
            throw new BadInputException(option + ": model '" + spec.name() + "' takes " + Arrays.toString(spec.input()) + " images and "
                    + spec.classes() + " classes, but the data has " + Arrays.toString(chw) + " images and " + classes + " classes");
        }
    }
}
