package dev.lipreg.bench;

import dev.lipreg.tensor.OpProfile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Compare --profile}'s table: per-step figures of each op and the rest of the step. */
class ProfileTableTest {

    @Test
    void perStepShares() {
        // two steps of 10 ms: conv2d 12 ms over 4 calls, binary ADD 2 ms over 2 calls, 6 ms elsewhere
        String t = ProfileTable.markdown(Mode.EXACT_PENALTY, "fashion-cnn", 32,
                List.of(new OpProfile.Entry("conv2d", 4, 12_000_000), new OpProfile.Entry("binary ADD", 2, 2_000_000)), new double[]{10, 10});
        assertTrue(t.contains("exact-penalty, fashion-cnn, batch 32: 10.0 ms per step (mean of 2)"), t);
        assertTrue(t.contains("| conv2d | 2.0 | 6.00 | 60.0 |"), t);
        assertTrue(t.contains("| binary ADD | 1.0 | 1.00 | 10.0 |"), t);
        assertTrue(t.contains("| (outside backend ops) | | 3.00 | 30.0 |"), t);
    }
}
