package dev.lipreg.tensor.cuda;

import java.util.List;

/**
 * The kernels of {@link KernelSource}, each with its C parameter types in order. The launcher
 * marshals arguments by these types, and the CPU emulation in the tests generates its call
 * wrappers from them (a mismatch with the source fails that build), so Java and CUDA cannot
 * silently disagree on an argument.
 */
final class Kernels {
    private Kernels() {
    }

    /** A kernel: its {@code extern "C"} name and parameter types (pointers end in '*'; structs are lr_*). */
    record Kernel(String name, List<String> params) {
        Kernel(String name, String... params) {
            this(name, List.of(params));
        }
    }

    private static final String F = "const float*", W = "float*";

    static final Kernel FILL32 = new Kernel("lr_fill32", "unsigned*", "int", "unsigned");
    static final Kernel FILL64 = new Kernel("lr_fill64", "lr_u64*", "int", "lr_u64");
    static final Kernel COPY32 = new Kernel("lr_copy32", "const unsigned*", "unsigned*", "int", "lr_strides");
    static final Kernel COPY64 = new Kernel("lr_copy64", "const lr_u64*", "lr_u64*", "int", "lr_strides");
    static final Kernel CAST = new Kernel("lr_cast", "const void*", "int", "void*", "int", "int");
    static final Kernel UNARY = new Kernel("lr_unary", F, W, "int", "int", "float");
    static final Kernel UNARY_BWD = new Kernel("lr_unary_bwd", F, F, W, "int", "int", "float");
    static final Kernel BINARY = new Kernel("lr_binary", F, F, W, "int", "int", "lr_strides");
    static final Kernel AFFINE = new Kernel("lr_affine", F, W, "int", "double", "double");
    static final Kernel CLAMP = new Kernel("lr_clamp", F, W, "int", "double", "double");
    static final Kernel REDUCE = new Kernel("lr_reduce", F, F, F, "double*", W, "int", "int", "int", "int", "int", "lr_red");
    static final Kernel REDUCE_PARTS = new Kernel("lr_reduce_parts", "const double*", W, "int", "int", "int", "int");
    static final Kernel ARGMAX = new Kernel("lr_argmax", F, "lr_i64*", "int", "int", "int");
    static final Kernel SOFTMAX = new Kernel("lr_softmax", F, W, "int", "int", "int", "int");
    static final Kernel LOGSOFTMAX_BWD = new Kernel("lr_logsoftmax_bwd", F, F, W, "int", "int", "int");
    static final Kernel MAXPOOL = new Kernel("lr_maxpool", F, W, "int*", "lr_pool");
    static final Kernel MAXPOOL_SCATTER = new Kernel("lr_maxpool_scatter", F, "const int*", W, "int", "int", "int", "int*");
    static final Kernel MAXPOOL_GATHER = new Kernel("lr_maxpool_gather", F, "const int*", W, "int", "int", "int", "int*");
    static final Kernel AVGPOOL = new Kernel("lr_avgpool", F, W, "lr_pool");
    static final Kernel AVGPOOL_BWD = new Kernel("lr_avgpool_bwd", F, W, "lr_pool");
    static final Kernel BN_FORWARD = new Kernel("lr_bn_forward", F, F, F, F, F, W, "int", "int", "int", "double");
    static final Kernel ONEHOT = new Kernel("lr_onehot", "const void*", "int", "void*", "int", "lr_u64", "int", "int", "int*");

    static final List<Kernel> ALL = List.of(FILL32, FILL64, COPY32, COPY64, CAST, UNARY, UNARY_BWD, BINARY, AFFINE, CLAMP,
            REDUCE, REDUCE_PARTS, ARGMAX, SOFTMAX, LOGSOFTMAX_BWD, MAXPOOL, MAXPOOL_SCATTER, MAXPOOL_GATHER, AVGPOOL,
            AVGPOOL_BWD, BN_FORWARD, ONEHOT);

    /** Number of ints in each struct parameter (all their fields are int). */
    static int structInts(String type) {
        return switch (type) {
            case "lr_strides" -> 1 + 3 * Geometry.MAX_RANK;
            case "lr_red" -> 2 + 4 * Geometry.MAX_RANK;
            case "lr_pool" -> 12;
            default -> -1;
        };
    }
}
