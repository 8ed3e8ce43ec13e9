package dev.lipreg.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The op profile is off unless asked for, and sums calls and time per op, the most expensive first. */
class OpProfileTest {

    @Test
    void offByDefaultNothingIsRecorded() {
        assertFalse(OpProfile.ON, "lipreg.profile is not set in the test JVM");
        OpProfile.reset();
        try (Scope s = Scope.open()) {
            Backend k = Backends.reference();
            k.binary(BinaryOp.ADD, Tensor.of(k, new float[]{1, 2}, 2), Tensor.of(k, new float[]{3, 4}, 2));
        }
        assertTrue(OpProfile.snapshot().isEmpty());
    }

    @Test
    void callsAndTimesAddUpPerOp() {
        OpProfile.reset();
        OpProfile.add("conv2d", 3_000);
        OpProfile.add("binary ADD", 500);
        OpProfile.add("conv2d", 2_000);
        List<OpProfile.Entry> s = OpProfile.snapshot();
        assertEquals(List.of(new OpProfile.Entry("conv2d", 2, 5_000), new OpProfile.Entry("binary ADD", 1, 500)), s);
        OpProfile.reset();
        assertTrue(OpProfile.snapshot().isEmpty());
    }
}
