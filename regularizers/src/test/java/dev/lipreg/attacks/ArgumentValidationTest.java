package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad arguments are rejected with messages that name the argument and what was expected. */
class ArgumentValidationTest {
    private Scope scope;
    private Module model;
    private Tensor x, labels;

    @BeforeEach
    void setUp() {
        scope = Scope.open();
        model = TestModels.smallCnn(3, 1);
        x = TestModels.uniformImages(4, 1, 8, 8, 2);
        labels = TestModels.predictedLabels(model, x);
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    static void rejects(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void negativeOrNonFiniteBudgets() {
        rejects("epsilon must be finite and >= 0, got -0.1", () -> Pgd.linf(-0.1, 5));
        rejects("epsilon must be finite and >= 0, got NaN", () -> Fgsm.l2(Double.NaN));
        rejects("epsilon must be finite and >= 0, got Infinity", () -> Apgd.linf(Double.POSITIVE_INFINITY, 5));
        rejects("epsilons[2] must be finite and >= 0, got -1.0", () -> Fgsm.linf(0.1).run(model, x, labels, new double[]{0.1, 0.1, -1, 0.1}));
        rejects("epsilons must hold one budget per image (4), got 3 values", () -> Pgd.l2(1, 3).run(model, x, labels, new double[]{1, 1, 1}));
    }

    @Test
    void imagesOutsideTheUnitBoxOrNaN() {
        Tensor big = TestModels.REF.affine(x, 1, 0.5);
        rejects("images must have values in [0,1], got values in [", () -> Fgsm.linf(0.1).run(model, big, labels));
        double[] v = x.toDoubleArray();
        v[7] = Double.NaN;
        Tensor nan = TestModels.REF.fromArray(v, x.shape());
        rejects("images contain NaN", () -> DeepFool.of(Norm.L2).run(model, nan, labels));
        rejects("images contain NaN", () -> BoundaryAttack.of(10, 0).run(model, nan, labels));
        rejects("images must be a non-empty batch [N, ...] of rank >= 2", () -> Fgsm.linf(0.1).run(model, x.reshape(256), labels));
    }

    @Test
    void labelsThatDoNotMatchTheBatch() {
        rejects("labels must be integer [4] (one per image), got INT64[3]",
                () -> Pgd.linf(0.1, 2).run(model, x, Tensor.ofLabels(TestModels.REF, new int[]{0, 1, 2})));
        rejects("labels must be integer [4] (one per image), got FLOAT64[4]",
                () -> CarliniWagnerL2.defaults().run(model, x, TestModels.REF.full(Shape.of(4), DType.FLOAT64, 0)));
        rejects("labels[1] = 7, expected a class in [0, 3)",
                () -> DeepFool.of(Norm.LINF).run(model, x, Tensor.ofLabels(TestModels.REF, new int[]{0, 7, 1, 1})));
        rejects("targets[0] = -1, expected a class in [0, 3)",
                () -> Pgd.linf(0.1, 2).runTargeted(model, x, Tensor.ofLabels(TestModels.REF, new int[]{-1, 0, 1, 1})));
    }

    @Test
    void modelInTrainingModeOrOfAnotherDtype() {
        model.train(true);
        rejects("call model.eval()", () -> Fgsm.linf(0.1).run(model, x, labels));
        model.eval();
        Tensor f32 = TestModels.REF.cast(x, DType.FLOAT32);
        rejects("images are FLOAT32 on backend reference but parameter 0.weight is FLOAT64", () -> Pgd.l2(1, 2).run(model, f32, labels));
    }

    @Test
    void badSettings() {
        rejects("steps must be >= 0, got -1", () -> new Pgd("pgd", Norm.L2, 1, 0.1, -1, true, 1, 0));
        rejects("restarts must be >= 1, got 0", () -> Pgd.linf(0.1, 5).withRestarts(0));
        rejects("stepFraction (step size / epsilon) must be finite and > 0", () -> Pgd.linf(0.1, 5).withStepFraction(0));
        rejects("binarySteps must be >= 1, got 0", () -> CarliniWagnerL2.defaults().withSearch(0, 10));
        rejects("confidence (kappa) must be finite and >= 0", () -> CarliniWagnerL2.defaults().withConfidence(-1));
        rejects("overshoot must be finite and >= 0", () -> new DeepFool(Norm.L2, -0.1, 10));
        rejects("stepAdaptation must be finite and > 1", () -> new BoundaryAttack(10, 0.01, 0.01, 1.0, 10, 0));
        rejects("unknown norm 'l3', expected l1, l2 or linf", () -> Norm.parse("l3"));
        rejects("the attacks bound perturbations in l2 or linf, not l1", () -> new Pgd("pgd", Norm.L1, 1, 0.1, 5, true, 1, 0));
        rejects("the attacks bound perturbations in l2 or linf, not l1", () -> DeepFool.of(Norm.L1));
    }

    @Test
    void untargetedOnlyAttacksSaySo() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> DeepFool.of(Norm.L2).runTargeted(model, x, labels));
        assertTrue(e.getMessage().contains("deepfool-l2 has no targeted mode"));
        assertThrows(UnsupportedOperationException.class, () -> BoundaryAttack.of(10, 0).runTargeted(model, x, labels));
    }
}
