package dev.lipreg.examples;

import dev.lipreg.data.Dataset;
import dev.lipreg.eval.AttackSettings;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.Robustness;
import dev.lipreg.nn.Module;

/** The whole report of {@code lipreg eval} for a model, in one call. */
public class ReportExample {

    /** Prints the report's table and returns the report. */
    public static EvalReport report(Module model, Dataset test) {
        // README report begin
        EvalSettings settings = EvalSettings.builder()
                .epsL2(0.5, 1.0).epsLinf(0.02, 0.05)           // budgets per threat norm
                .attacks("pgd", "deepfool")                   // or "ensemble": APGD-CE, APGD-DLR-T, Square + bisect, CW, DeepFool
                .attack(AttackSettings.builder().pgdSteps(10).batch(100).build())
                .certify(true)                                // certified ℓ2 accuracy from a sound Lipschitz bound
                .seed(0)
                .build();
        EvalReport report = Robustness.evaluate(model, test, settings);
        System.out.print(report.markdown());                  // the table `lipreg eval` prints
        double median = report.models().getFirst().medianDistance().get("l2");
        // README report end
        System.out.println("median l2 distance " + median);
        return report;
    }
}
