package dev.lipreg.bench.torch;

import dev.lipreg.bench.Compare;
import dev.lipreg.bench.CompareConfig;
import dev.lipreg.bench.CompareReport;
import dev.lipreg.bench.GradientCheck;
import dev.lipreg.bench.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * libtorch 2.7.1 through DJL as a side of the comparison, offline: the TorchScript
 * steps (written by compare.py under Debian's torch 1.13) load in libtorch 2.7.1,
 * compute the same exact-penalty objective and parameter gradient as LipReg
 * (torch.autograd.grad with create_graph inside the script), and time every mode.
 * No timing is asserted.
 */
class LibTorchPeerTest {

    @Test
    void libtorchAgreesWithLipRegAndTimesEveryMode() {
        CompareConfig c = CompareConfig.defaults().withJvmWarmup(0).withBatch(4).withSteps(0, 1).withChunk(1).withOutDir(null).withTorch(false)
                .withLibtorch(System.getProperty("java.class.path"));
        CompareReport r = Compare.run(c);
        assumeTrue(!r.libtorch().isEmpty(), "libtorch side not run (Debian python3-torch writes its TorchScript): " + r.libtorchNote());
        assertTrue(String.valueOf(r.libtorch().get("torch")).startsWith("libtorch 2.7.1"), r.libtorch().toString());
        assertEquals(1, r.checks().size());
        GradientCheck check = r.checks().getFirst();
        assertEquals("libtorch", check.side());
        assertTrue(check.agrees(), check.toString());
        assertEquals(List.of(Mode.values()), r.results().stream().map(CompareReport.ModeResult::mode).toList());
        for (CompareReport.ModeResult m : r.results()) {
            assertEquals(1, m.libtorch().ms().length, m.mode().id());
            assertTrue(m.libtorch().medianMs() > 0 && m.peak().libtorch() > 0, m.mode().id());
        }
        assertTrue(r.perOpUs().get("libtorch") > 0);
    }
}
