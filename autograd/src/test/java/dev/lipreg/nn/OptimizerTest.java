package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD, Adam and AdamW: two steps against values worked out by hand from torch.optim's
 * documented update rules (always run), several steps against torch.optim itself (when
 * PyTorch is installed), exact resume from saved state, and LR schedules against
 * PyTorch's closed forms and schedulers.
 */
class OptimizerTest {
    private static final Backend REF = Backends.reference();

    @TempDir
    Path dir;
    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    // ----------------------------------------------------------------- helpers

    private static Parameter param(double... values) {
        return new Parameter(REF.fromArray(values, Shape.of(values.length)));
    }

    /** Sets each parameter's gradient to exactly {@code grads[name]}: backward of Σ ⟨p, g⟩. */
    private static void setGradients(Optimizer opt, Map<String, Parameter> params, Map<String, Tensor> grads) {
        opt.zeroGrad();
        Variable total = null;
        for (var e : params.entrySet()) {
            Variable term = Ops.sum(Ops.mul(e.getValue(), Variable.constant(grads.get(e.getKey()))));
            total = total == null ? term : Ops.add(total, term);
        }
        total.backward();
    }

    /** p = [1], gradients 0.5 then −0.2: the parameter after each of two steps. */
    private static double[] twoSteps(Function<Map<String, Parameter>, Optimizer> make) {
        Map<String, Parameter> ps = Map.of("p", param(1.0));
        Optimizer opt = make.apply(ps);
        double[] out = new double[2];
        double[] g = {0.5, -0.2};
        for (int t = 0; t < 2; t++) {
            setGradients(opt, ps, Map.of("p", REF.fromArray(new double[]{g[t]}, Shape.of(1))));
            opt.step();
            out[t] = ps.get("p").item();
        }
        return out;
    }

    // ----------------------------------------------------------------- hand-computed

    @Test
    void sgdTwoStepsByHand() {
        // plain: p = 1 − 0.1·0.5 = 0.95; p = 0.95 + 0.1·0.2 = 0.97
        assertArrayEquals(new double[]{0.95, 0.97}, twoSteps(ps -> new Sgd(ps, 0.1, 0, 0, 0, false)), 1e-15);
        // momentum 0.9, dampening 0.1, weight decay 0.01, lr 0.1:
        //   d1 = 0.5 + 0.01·1 = 0.51, buf1 = d1 (no dampening on the first step), p1 = 1 − 0.051 = 0.949
        //   d2 = −0.2 + 0.01·0.949 = −0.19051, buf2 = 0.9·0.51 + 0.9·(−0.19051) = 0.287541, p2 = 0.949 − 0.0287541 = 0.9202459
        assertArrayEquals(new double[]{0.949, 0.9202459}, twoSteps(ps -> new Sgd(ps, 0.1, 0.9, 0.1, 0.01, false)), 1e-15);
        // Nesterov, momentum 0.9, lr 0.1:
        //   buf1 = 0.5, step = 0.5 + 0.9·0.5 = 0.95, p1 = 0.905
        //   buf2 = 0.45 − 0.2 = 0.25, step = −0.2 + 0.9·0.25 = 0.025, p2 = 0.905 − 0.0025 = 0.9025
        assertArrayEquals(new double[]{0.905, 0.9025}, twoSteps(ps -> new Sgd(ps, 0.1, 0.9, 0, 0, true)), 1e-15);
    }

    @Test
    void adamTwoStepsByHand() {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8:
        //   m1 = 0.05, v1 = 0.00025, m̂ = 0.5, √v̂ = 0.5: p1 = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002
        //   m2 = 0.045 − 0.02 = 0.025, v2 = 0.999·0.00025 + 0.001·0.04 = 0.00028975,
        //   m̂ = 0.025/0.19, v̂ = 0.00028975/0.001999: p2 = p1 − 0.1·m̂/(√v̂ + 1e-8) = 0.8654394181165108
        assertArrayEquals(new double[]{0.900000002, 0.8654394181165108}, twoSteps(ps -> Adam.adam(ps, 0.1)), 1e-15);
        // Adam with L2 weight decay 0.5 (added to the gradient): g1 = 0.5 + 0.5·1 = 1, m̂ = 1, √v̂ = 1:
        //   p1 = 1 − 0.1/(1 + 1e-8) = 0.900000001; g2 = −0.2 + 0.5·p1, ...: p2 = 0.8169402487459406
        assertArrayEquals(new double[]{0.900000001, 0.8169402487459406},
                twoSteps(ps -> new Adam(ps, 0.1, 0.9, 0.999, 1e-8, 0.5, false)), 1e-15);
        // AdamW, decoupled weight decay 0.5: p ← p·(1 − 0.1·0.5) first, then the Adam step of the raw gradient:
        //   p1 = 0.95 − 0.099999998 = 0.850000002; p2 = 0.95·p1 − 0.0345605819... = 0.7729394180165108
        assertArrayEquals(new double[]{0.850000002, 0.7729394180165108}, twoSteps(ps -> Adam.adamW(ps, 0.1, 0.5)), 1e-15);
    }

    @Test
    void parametersWithoutGradientsAreLeftAlone() {
        Parameter used = param(1.0), unused = param(2.0);
        Map<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("used", used);
        ps.put("unused", unused);
        for (Optimizer opt : List.of(new Sgd(ps, 0.1, 0.9, 0.1), Adam.adamW(ps, 0.1, 0.1))) {
            opt.zeroGrad();
            Ops.sum(Ops.mul(used, used)).backward();
            opt.step();
            assertEquals(2.0, unused.item());
            assertTrue(opt.state().keySet().stream().noneMatch(k -> k.endsWith("unused")), opt.state().keySet().toString());
        }
    }

    @Test
    void badHyperparametersAreRejected() {
        Map<String, Parameter> ps = Map.of("p", param(1.0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, -0.1, 0, 0))
                .getMessage().contains("learning rate must be >= 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0, 0, 0, true))
                .getMessage().contains("Nesterov momentum requires momentum > 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0.9, 0.1, 0, true))
                .getMessage().contains("zero dampening"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0.9, Double.NaN))
                .getMessage().contains("weight decay"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0, false))
                .getMessage().contains("betas must be in [0, 1)"));
    }

    // ----------------------------------------------------------------- PyTorch's torch.optim

    private static final String OPTIM_SCRIPT = """
            data = load(sys.argv[1])
            steps = int(sys.argv[2])
            configs = {
                'sgd': lambda ps: torch.optim.SGD(ps, lr=0.1),
                'sgd_momentum': lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
                'sgd_damp_wd': lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
                'sgd_nesterov_wd': lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
                'adam': lambda ps: torch.optim.Adam(ps, lr=0.01),
                'adam_l2': lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                'adamw': lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
            }
            out = {}
            for name, make in configs.items():
                ps = {k: data['init.' + k].clone().requires_grad_(True) for k in ('w', 'b')}
                opt = make(list(ps.values()))
                for t in range(steps):
                    for k, p in ps.items():
                        p.grad = data['grad.%d.%s' % (t, k)].clone()
                    opt.step()
                    for k, p in ps.items():
                        out['%s.%d.%s' % (name, t, k)] = p.detach().clone()

            def lrs(opt, sched, epochs):
                v = []
                for e in range(epochs):
                    v.append(opt.param_groups[0]['lr'])
                    opt.step()
                    sched.step()
                return torch.tensor(v, dtype=torch.float64)

            def sgd():
                return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            o = sgd(); out['lr.step'] = lrs(o, torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 12)
            o = sgd(); out['lr.multistep'] = lrs(o, torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 8], gamma=0.1), 12)
            o = sgd(); out['lr.cosine'] = lrs(o, torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11)
            save(sys.argv[3], out)
            """;

    private static final Map<String, Function<Map<String, Parameter>, Optimizer>> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("sgd", ps -> new Sgd(ps, 0.1, 0, 0));
        CONFIGS.put("sgd_momentum", ps -> new Sgd(ps, 0.1, 0.9, 0));
        CONFIGS.put("sgd_damp_wd", ps -> new Sgd(ps, 0.05, 0.8, 0.3, 0.01, false));
        CONFIGS.put("sgd_nesterov_wd", ps -> new Sgd(ps, 0.05, 0.9, 0, 5e-4, true));
        CONFIGS.put("adam", ps -> Adam.adam(ps, 0.01));
        CONFIGS.put("adam_l2", ps -> new Adam(ps, 0.01, 0.8, 0.99, 1e-6, 0.1, false));
        CONFIGS.put("adamw", ps -> Adam.adamW(ps, 0.01, 0.1));
    }

    private static final int STEPS = 4;

    /** Initial values and per-step gradients of a [2,3] weight and a [3] bias. */
    private static Map<String, Tensor> problem() {
        SplittableRandom rng = new SplittableRandom(17);
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("init.w", REF.fromArray(rng.doubles(6, -1, 1).toArray(), Shape.of(2, 3)));
        data.put("init.b", REF.fromArray(rng.doubles(3, -1, 1).toArray(), Shape.of(3)));
        for (int t = 0; t < STEPS; t++) {
            data.put("grad." + t + ".w", REF.fromArray(rng.doubles(6, -2, 2).toArray(), Shape.of(2, 3)));
            data.put("grad." + t + ".b", REF.fromArray(rng.doubles(3, -2, 2).toArray(), Shape.of(3)));
        }
        return data;
    }

    private static Map<String, Parameter> freshParams(Map<String, Tensor> data) {
        Map<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("w", new Parameter(REF.copy(data.get("init.w"))));
        ps.put("b", new Parameter(REF.copy(data.get("init.b"))));
        return ps;
    }

    private static Map<String, Tensor> grads(Map<String, Tensor> data, int t) {
        return Map.of("w", data.get("grad." + t + ".w"), "b", data.get("grad." + t + ".b"));
    }

    @Test
    void optimizersMatchTorchOptim() throws Exception {
        TorchOracle.assumeAvailable();
        Map<String, Tensor> data = problem();
        SafeTensors.write(dir.resolve("problem.safetensors"), data);
        TorchOracle.run(dir, "optim_oracle.py", OPTIM_SCRIPT, "problem.safetensors", Integer.toString(STEPS), "out.safetensors");
        SafeTensorFile expected = SafeTensors.read(dir.resolve("out.safetensors"), REF);

        Map<String, Double> worst = new LinkedHashMap<>();
        for (var c : CONFIGS.entrySet()) {
            Map<String, Parameter> ps = freshParams(data);
            Optimizer opt = c.getValue().apply(ps);
            double err = 0;
            for (int t = 0; t < STEPS; t++) {
                setGradients(opt, ps, grads(data, t));
                opt.step();
                for (var p : ps.entrySet()) {
                    err = Math.max(err, TorchOracle.scaledError(p.getValue().value(),
                            expected.tensor(c.getKey() + "." + t + "." + p.getKey())));
                }
            }
            worst.put(c.getKey(), err);
        }
        System.err.println("optimizers vs torch.optim, " + STEPS + " steps (max error / max magnitude):" + TorchOracle.describe(worst));
        worst.forEach((k, e) -> assertTrue(e <= 1e-13, k + ": scaled error " + e));

        int[] epochs = {12, 12, 11};
        LrSchedule[] ours = {LrSchedule.step(0.1, 3, 0.5), LrSchedule.multiStep(0.1, new int[]{5, 2, 8}, 0.1),
                LrSchedule.cosine(0.1, 10, 0.001)};
        String[] names = {"lr.step", "lr.multistep", "lr.cosine"};
        for (int i = 0; i < 3; i++) {
            double[] want = expected.tensor(names[i]).toDoubleArray();
            assertEquals(epochs[i], want.length);
            for (int e = 0; e < want.length; e++) {
                assertEquals(want[e], ours[i].at(e), 1e-12 * want[e], names[i] + " at epoch " + e);
            }
        }
    }

    // ----------------------------------------------------------------- schedules by formula

    @Test
    void schedulesFollowPyTorchClosedForms() {
        LrSchedule step = LrSchedule.step(0.1, 3, 0.5);
        double[] stepWant = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
        for (int e = 0; e < stepWant.length; e++) assertEquals(stepWant[e], step.at(e), 1e-17, "StepLR epoch " + e);

        LrSchedule multi = LrSchedule.multiStep(0.1, new int[]{5, 2, 8}, 0.1); // milestones in any order, as PyTorch
        double[] multiWant = {0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 1e-4, 1e-4};
        for (int e = 0; e < multiWant.length; e++) assertEquals(multiWant[e], multi.at(e), 1e-15, "MultiStepLR epoch " + e);

        // CosineAnnealingLR: η_min + (η − η_min)(1 + cos(π e / T))/2
        LrSchedule cos = LrSchedule.cosine(0.1, 10, 0.001);
        for (int e = 0; e <= 10; e++) {
            assertEquals(0.001 + 0.099 * (1 + Math.cos(Math.PI * e / 10)) / 2, cos.at(e), 1e-15, "cosine epoch " + e);
        }
        assertEquals(0.1, cos.at(0), 1e-15);
        assertEquals(0.0505, cos.at(5), 1e-15);
        assertEquals(0.001, cos.at(10), 1e-15);
        // past T_max LipReg holds η_min (PyTorch's closed form would rise again): documented as "over epochs"
        assertEquals(0.001, cos.at(15), 1e-15);
        assertEquals(0.1, LrSchedule.constant(0.1).at(100));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0.1, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0.1, 0, 0));
    }

    // ----------------------------------------------------------------- resume from saved state

    @Test
    void savedStateResumesTheExactTrajectory() {
        Map<String, Tensor> data = problem();
        for (String config : List.of("sgd_damp_wd", "sgd_nesterov_wd", "adam_l2", "adamw")) {
            Map<String, Parameter> a = freshParams(data);
            Optimizer optA = CONFIGS.get(config).apply(a);
            for (int t = 0; t < 2; t++) {
                setGradients(optA, a, grads(data, t));
                optA.step();
            }
            // save parameters and optimizer state together, as a training checkpoint does
            Path file = dir.resolve(config + ".safetensors");
            Map<String, Tensor> all = new LinkedHashMap<>();
            a.forEach((k, p) -> all.put(k, p.value()));
            optA.state().forEach((k, v) -> all.put("optimizer." + k, v));
            SafeTensors.write(file, all);

            SafeTensorFile f = SafeTensors.read(file, REF);
            Map<String, Parameter> b = new LinkedHashMap<>();
            b.put("w", new Parameter(REF.copy(f.tensor("w"))));
            b.put("b", new Parameter(REF.copy(f.tensor("b"))));
            Optimizer optB = CONFIGS.get(config).apply(b);
            Map<String, Tensor> state = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (k.startsWith("optimizer.")) state.put(k.substring("optimizer.".length()), v);
            });
            assertEquals(optA.state().keySet(), state.keySet());
            optB.loadState(state);

            for (int t = 2; t < STEPS; t++) {
                setGradients(optA, a, grads(data, t));
                optA.step();
                setGradients(optB, b, grads(data, t));
                optB.step();
            }
            for (String k : a.keySet()) {
                assertArrayEquals(bits(a.get(k).value()), bits(b.get(k).value()), config + " " + k + " after resume");
            }
            for (String k : optA.state().keySet()) {
                assertArrayEquals(bits(optA.state().get(k)), bits(optB.state().get(k)), config + " state " + k);
            }
        }
    }

    @Test
    void stateOfTheWrongShapeIsRejected() {
        Map<String, Tensor> data = problem();
        Map<String, Parameter> ps = freshParams(data);
        Sgd sgd = new Sgd(ps, 0.1, 0.9, 0);
        setGradients(sgd, ps, grads(data, 0));
        sgd.step();
        Map<String, Tensor> wrong = Map.of("momentum_buffer.w", REF.full(Shape.of(3, 2), DType.FLOAT64, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.loadState(wrong));
        assertTrue(e.getMessage().contains("momentum_buffer.w") && e.getMessage().contains("[2, 3]"), e.getMessage());

        // a fresh optimizer has no state yet: the shapes are checked against the parameters
        Sgd fresh = new Sgd(freshParams(data), 0.1, 0.9, 0);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> fresh.loadState(wrong));
        assertTrue(e2.getMessage().contains("momentum_buffer.w") && e2.getMessage().contains("[2, 3]"), e2.getMessage());
        Adam adam = Adam.adam(freshParams(data), 0.1);
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> adam.loadState(Map.of("exp_avg.nope", REF.full(Shape.of(3), DType.FLOAT64, 0))));
        assertTrue(e3.getMessage().contains("exp_avg.nope"), e3.getMessage());
    }

    private static long[] bits(Tensor t) {
        if (t.dtype() == DType.INT64) return t.toLongArray();
        double[] d = t.toDoubleArray();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) out[i] = Double.doubleToRawLongBits(d[i]);
        return out;
    }
}
