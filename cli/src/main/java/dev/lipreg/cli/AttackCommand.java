package dev.lipreg.cli;

import dev.lipreg.eval.EvalReport;
import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lipreg attack}: adversarial examples of test images against a trained model, written as safetensors. */
@Command(name = "attack", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Attack a trained model on test images and write the adversarial examples.",
                "OUT holds x_adv [N,C,H,W] float32, x (the originals), y [N] int64, success [N] int64 (1 = misclassified), "
                        + "prediction [N] int64, distances [N] (in --norm), distances_l2 and distances_linf [N] float64."})
final class AttackCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR|FILE", required = true, description = "A training run directory, a checkpoint file or an ONNX file (MODEL.onnx).")
    Path checkpoint;

    @Mixin
    DataOptions data;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "100", description = "Test images to attack (a fixed seeded sample). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--attack", paramLabel = "NAME", defaultValue = "pgd", description = "Attack: pgd, fgsm, apgd, bim (fixed budget, need --eps); deepfool, cw, boundary (minimal distance). Default: ${DEFAULT-VALUE}.")
    String attack;

    @Option(names = "--norm", paramLabel = "NORM", defaultValue = "l2", description = "Threat norm: l2 or linf. Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--eps", paramLabel = "ε", description = "Budget of the fixed-budget attacks (pgd, fgsm, apgd, bim).")
    Double eps;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the test sample and the attack. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    AttackOptions attackOptions;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output safetensors file (written atomically).")
    Path out;

    @Override
    public Integer call() {
        String name = AttackOptions.names("--attack", List.of(attack)).getFirst();
        Norm n = AttackOptions.norm("--norm", norm);
        if (!AttackOptions.supports(name, n)) throw BadInputException.of("--norm", "a norm " + name + " supports", n.label());
        if (name.equals("bisect")) throw BadInputException.of("--attack", "one attack (bisect runs only inside eval)", "'bisect'");
        if (AttackOptions.isFixedBudget(name) && eps == null) throw BadInputException.of("--eps", "a budget ε > 0 for " + name, "none");
        if (eps != null) AttackOptions.epsilons("--eps", List.of(eps));
        attackOptions.validate();
        ModelRef ref = ModelRef.resolve("--checkpoint", checkpoint);
        Backend b = backend.resolve();
        AttackRunner runner = new AttackRunner(attackOptions, name, n, eps == null ? 0 : eps, seed);
        try (Scope scope = Scope.open()) {
            TestImages test = TestImages.load(data, testSubset, seed, b);
            Module model = ref.open("--checkpoint", test.chw(), test.data().numClasses(), b).module();
            AttackRunner.Outcome o = runner.run(model, test, parent.progress(spec));
            int count = test.count();
            int[] chw = test.chw();
            // The file's tensors are host data only: the reference backend holds every dtype
            // (the distances are float64, which a float32 compute backend does not store).
            Backend host = Backends.reference();
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("x_adv", host.fromArray(o.adversarial(), Shape.of(count, chw[0], chw[1], chw[2])));
            t.put("x", test.images());
            t.put("y", test.labels());
            t.put("success", Tensor.ofLabels(host, o.successAsLongs()));
            t.put("prediction", Tensor.ofLabels(host, o.predictions()));
            t.put("distances", host.fromArray(n == Norm.L2 ? o.l2() : o.linf(), Shape.of(count)));
            t.put("distances_l2", host.fromArray(o.l2(), Shape.of(count)));
            t.put("distances_linf", host.fromArray(o.linf(), Shape.of(count)));
            GradCommand.createParent(out);
            SafeTensors.write(out, t, Map.of("attack", o.attack(), "norm", n.label(), "epsilon", eps == null ? "" : eps.toString(),
                    "checkpoint", ref.checkpoint().toString(), "dataset", test.data().name()));
            spec.commandLine().getOut().printf(Locale.ROOT, "%s on %s: %d/%d images misclassified (%.1f%%), median %s distance of successes %s, %s; wrote %s%n",
                    o.attack(), ref.name(), o.successes(), count, 100.0 * o.successes() / count, n.label(), EvalReport.num(o.medianSuccessDistance(n)),
                    Progress.duration(o.seconds()), out);
        }
        return Lipreg.OK;
    }
}
