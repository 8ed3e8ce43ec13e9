package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Memory ops, casts, oneHot, permute, slice and concat (all dtypes but FLOAT64) against the reference backend. */
class LayoutAndMemoryParityTest extends DnnlTestSupport {
    enum Kind { FLOAT32, INT32, INT64 }

    /** The same values on both backends, in the given dtype (INT64 values beyond 32 bits). */
    static Tensor[] make(Kind kind, long seed, int... dims) {
        int n = size(dims);
        if (kind == Kind.FLOAT32) {
            Pair p = Pair.of(uniform(seed, n, -2, 2), dims);
            return new Tensor[]{p.ref(), p.dnnl()};
        }
        long[] v = new long[n];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < n; i++) v[i] = r.nextInt(2001) - 1000 + (kind == Kind.INT64 ? r.nextLong(1L << 45) : 0);
        DType dt = DType.valueOf(kind.name());
        return new Tensor[]{ints(REF, dt, v, dims), ints(dnnl, dt, v, dims)};
    }

    static Stream<Arguments> permuteCases() {
        int[][][] cases = {{{3, 7}, {1, 0}}, {{2, 3, 5}, {2, 0, 1}}, {{2, 3, 5}, {0, 2, 1}}, {{2, 3, 7, 5}, {0, 2, 3, 1}},
                {{7}, {0}}, {{1, 31, 1}, {2, 1, 0}}, {{2, 3, 5}, {-1, 0, 1}}};
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(cases).map(c -> Arguments.of(k, c[0], c[1])));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("permuteCases")
    void permute(Kind kind, int[] dims, int[] axes) {
        Tensor[] x = make(kind, 91, dims);
        assertIdentical(REF.permute(x[0], axes), dnnl.permute(x[1], axes), "permute");
    }

    static Stream<Arguments> sliceCases() {
        int[][] cases = {{0, 1, 3}, {1, 0, 7}, {1, 2, 5}, {2, 30, 31}, {-1, 0, 1}, {1, 3, 3}};
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(cases).map(c -> Arguments.of(k, c[0], c[1], c[2])));
    }

    @ParameterizedTest(name = "{0} axis {1} [{2},{3})")
    @MethodSource("sliceCases")
    void slice(Kind kind, int axis, int start, int end) {
        Tensor[] x = make(kind, 92, 3, 7, 31);
        assertIdentical(REF.slice(x[0], axis, start, end), dnnl.slice(x[1], axis, start, end), "slice");
    }

    static Stream<Arguments> concatCases() {
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(Arguments.of(k, 0), Arguments.of(k, 1), Arguments.of(k, -1)));
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("concatCases")
    void concat(Kind kind, int axis) {
        int[] sizes = {1, 3, 0, 7};
        Tensor[] parts = new Tensor[8];
        for (int i = 0; i < sizes.length; i++) {
            int[] dims = {3, 5, 7};
            int a = axis < 0 ? axis + 3 : axis;
            dims[a] = sizes[i];
            Tensor[] p = make(kind, 93 + i, dims);
            parts[2 * i] = p[0];
            parts[2 * i + 1] = p[1];
        }
        Tensor expected = REF.concat(List.of(parts[0], parts[2], parts[4], parts[6]), axis);
        assertIdentical(expected, dnnl.concat(List.of(parts[1], parts[3], parts[5], parts[7]), axis), "concat");
        assertIdentical(REF.concat(List.of(parts[2]), axis), dnnl.concat(List.of(parts[3]), axis), "concat of one");
    }

    static Stream<Arguments> castCases() {
        return Stream.of(Kind.values()).flatMap(from -> Stream.of(Kind.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("castCases")
    void cast(Kind from, Kind to) {
        Tensor[] x = make(from, 94, 3, 7);
        if (from == Kind.FLOAT32) {
            // fractions of both signs, halves, and values beyond the int range
            float[] v = {2.7f, -2.7f, 0.5f, -0.5f, 1.5f, -1.5f, 3e9f, -3e9f, 1e20f, Float.NaN, 0f, -0f, 7f};
            x = new Tensor[]{Tensor.of(REF, v, v.length), Tensor.of(dnnl, v, v.length)};
        }
        DType dt = DType.valueOf(to.name());
        assertIdentical(REF.cast(x[0], dt), dnnl.cast(x[1], dt), "cast");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT32", "INT64"})
    void memoryOps(DType dt) {
        Shape s = Shape.of(3, 7, 31);
        for (double v : new double[]{0, 1, -2.5, 1e10, 7}) {
            assertIdentical(REF.full(s, dt, v), dnnl.full(s, dt, v), "full " + v);
        }
        assertIdentical(REF.full(Shape.scalar(), dt, 3), dnnl.full(Shape.scalar(), dt, 3), "full scalar");
        Tensor t = dnnl.full(s, dt, 5);
        assertEquals(s, dnnl.empty(s, dt).shape());
        assertEquals(0, dnnl.empty(Shape.of(0, 4), dt).size());

        MemorySegment host = REF.toHost(make(Kind.valueOf(dt.name()), 95, 3, 7, 31)[0]);
        Tensor fromHost = dnnl.fromHost(host, s, dt);
        assertIdentical(REF.fromHost(host, s, dt), fromHost, "fromHost");
        assertEquals(-1, dnnl.toHost(fromHost).mismatch(host), "toHost");
        Tensor copy = dnnl.copy(fromHost);
        assertIdentical(fromHost, copy, "copy");
        dnnl.copyInto(t, fromHost);
        assertIdentical(fromHost, t, "copyInto");
    }

    @Test
    void arraysAndTransfers() {
        float[] v = uniform(96, 21, -1, 1);
        Tensor t = dnnl.fromArray(v, Shape.of(3, 7));
        assertEquals(DType.FLOAT32, t.dtype());
        assertSame(dnnl, t.backend());
        assertIdentical(REF.fromArray(v, Shape.of(3, 7)), t, "fromArray");
        assertIdentical(Tensor.ofLabels(REF, new long[]{1, 5, 2}), Tensor.ofLabels(dnnl, new long[]{1, 5, 2}), "labels");
        assertIdentical(t.to(REF), t, "to(reference)");
        assertIdentical(t, t.to(REF).to(dnnl), "round trip");
    }

    static Stream<Arguments> oneHotCases() {
        return Stream.of(DType.INT32, DType.INT64).flatMap(l -> Stream.of(DType.FLOAT32, DType.INT32, DType.INT64)
                .map(d -> Arguments.of(l, d)));
    }

    @ParameterizedTest(name = "labels {0} -> {1}")
    @MethodSource("oneHotCases")
    void oneHot(DType labelType, DType dtype) {
        long[] labels = {3, 0, 9, 9, 1, 0, 4};
        assertIdentical(REF.oneHot(ints(REF, labelType, labels, labels.length), 10, dtype),
                dnnl.oneHot(ints(dnnl, labelType, labels, labels.length), 10, dtype), "oneHot");
        assertIdentical(REF.oneHot(ints(REF, labelType, new long[0], 0), 10, dtype),
                dnnl.oneHot(ints(dnnl, labelType, new long[0], 0), 10, dtype), "oneHot of none");
    }
}
