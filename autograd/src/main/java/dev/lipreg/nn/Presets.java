package dev.lipreg.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The built-in model specs, sized for a dataset's image shape and class count. */
public final class Presets {
    /** The preset names {@link #spec} accepts. */
    public static final List<String> NAMES = List.of("fashion-cnn", "mlp", "resnet-small", "resnext34-2x32");

    private Presets() {
    }

    /**
     * The preset {@code name} for images [C,H,W] and {@code classes} classes.
     *
     * @param name    one of {@link #NAMES}
     * @param input   the image shape [C,H,W]
     * @param classes the class count
     * @return the spec
     */
    public static ModelSpec spec(String name, int[] input, int classes) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fashion-cnn" -> fashionCnn(input, classes);
            case "mlp" -> mlp(input, classes);
            case "resnet-small" -> resnetSmall(input, classes);
            case "resnext34-2x32" -> resnext34(input, classes);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "', expected one of " + NAMES);
        };
    }

    /**
     * conv 1→32 3x3 pad 1, ReLU, maxpool 2, conv 32→64 3x3 pad 1, ReLU, maxpool 2,
     * flatten, linear 3136→128, ReLU, linear 128→10 (on 28x28 images).
     *
     * @param input   the image shape [C,H,W]
     * @param classes the class count
     * @return the spec
     */
    public static ModelSpec fashionCnn(int[] input, int classes) {
        int flat = 64 * (input[1] / 4) * (input[2] / 4);
        return new ModelSpec("fashion-cnn", input, classes, List.of(
                LayerSpec.of("conv2d", "in", input[0], "out", 32, "kernel", 3, "padding", 1),
                LayerSpec.of("relu"),
                LayerSpec.of("maxpool2d", "kernel", 2),
                LayerSpec.of("conv2d", "in", 32, "out", 64, "kernel", 3, "padding", 1),
                LayerSpec.of("relu"),
                LayerSpec.of("maxpool2d", "kernel", 2),
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", flat, "out", 128),
                LayerSpec.of("relu"),
                LayerSpec.of("linear", "in", 128, "out", classes)));
    }

    /**
     * flatten, linear →256, ReLU, linear 256→256, ReLU, linear →classes.
     *
     * @param input   the image shape [C,H,W]
     * @param classes the class count
     * @return the spec
     */
    public static ModelSpec mlp(int[] input, int classes) {
        return new ModelSpec("mlp", input, classes, List.of(
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", input[0] * input[1] * input[2], "out", 256),
                LayerSpec.of("relu"),
                LayerSpec.of("linear", "in", 256, "out", 256),
                LayerSpec.of("relu"),
                LayerSpec.of("linear", "in", 256, "out", classes)));
    }

    /**
     * A CIFAR-style ResNet-8: stem 3x3→16, BN, ReLU, residual stages 16, 32 (stride 2), 64 (stride 2), pool, linear.
     *
     * @param input   the image shape [C,H,W]
     * @param classes the class count
     * @return the spec
     */
    public static ModelSpec resnetSmall(int[] input, int classes) {
        return resnet("resnet-small", input, classes, 16, new int[]{1, 1, 1}, 1);
    }

    /**
     * The papers' CIFAR model: ResNeXt-34 2x32 — basic residual blocks (two 3x3
     * convolutions) in stages of 3, 4, 6, 3 blocks with cardinality 2 and
     * 32 channels per group (64, 128, 256, 512 channels), strides 1, 2, 2, 2.
     *
     * @param input   the image shape [C,H,W]
     * @param classes the class count
     * @return the spec
     */
    public static ModelSpec resnext34(int[] input, int classes) {
        return resnet("resnext34-2x32", input, classes, 64, new int[]{3, 4, 6, 3}, 2);
    }

    private static ModelSpec resnet(String name, int[] input, int classes, int width, int[] blocks, int groups) {
        List<LayerSpec> ls = new ArrayList<>();
        ls.add(LayerSpec.of("conv2d", "in", input[0], "out", width, "kernel", 3, "padding", 1, "bias", 0));
        ls.add(LayerSpec.of("batchnorm2d", "channels", width));
        ls.add(LayerSpec.of("relu"));
        int in = width;
        for (int stage = 0; stage < blocks.length; stage++) {
            int out = width << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = b == 0 && stage > 0 ? 2 : 1;
                ls.add(LayerSpec.of("residual", "in", in, "out", out, "stride", stride, "groups", groups));
                in = out;
            }
        }
        ls.add(LayerSpec.of("adaptive_avgpool2d"));
        ls.add(LayerSpec.of("flatten"));
        ls.add(LayerSpec.of("linear", "in", in, "out", classes));
        return new ModelSpec(name, input, classes, ls);
    }
}
