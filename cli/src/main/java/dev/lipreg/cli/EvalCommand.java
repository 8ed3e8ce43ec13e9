package dev.lipreg.cli;

import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lipreg eval}: robustness of one or several trained models on the same test images. */
@Command(name = "eval", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Evaluate trained models on the same test images: clean error, error under attack at each ε (ℓ2 and ℓ∞), "
                + "median minimal ℓ2/ℓ∞ distance, attack times, input-gradient norms (max/mean ‖∇ₓℓ‖₂) and certified ℓ2 accuracy "
                + "from a Lipschitz upper bound.",
                "Writes OUT/report.json, OUT/report.md (also printed), OUT/error-l2.png, OUT/error-linf.png and OUT/grad-norms.png."})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR|FILE", required = true,
            description = "A training run directory, a checkpoint file (with model.json beside it) or an ONNX file (MODEL.onnx: " + OnnxModels.ASSUMPTION + "); repeat to compare models.")
    List<Path> checkpoints;

    @Mixin
    DataOptions data;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "1000", description = "Test images (a fixed seeded sample). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--eps-l2", paramLabel = "LIST", defaultValue = "0.25,0.5,1,2", description = "ℓ2 budgets, comma separated, or none. Default: ${DEFAULT-VALUE}.")
    String epsL2;

    @Option(names = "--eps-linf", paramLabel = "LIST", defaultValue = "0.02,0.05,0.1",
            description = "ℓ∞ budgets, comma separated, or none. Default: ${DEFAULT-VALUE}.")
    String epsLinf;

    @Option(names = "--attacks", paramLabel = "NAME", split = ",", defaultValue = "pgd,deepfool",
            description = "Attacks: " + AttackOptions.NAMES + ". ensemble = APGD-CE + APGD-DLR targeted + Square, worst case per image, "
                    + "plus bisect, cw and deepfool for minimal distances. Default: ${DEFAULT-VALUE}.")
    List<String> attacks;

    @Option(names = "--certify", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Certified ℓ2 accuracy from a sound Lipschitz upper bound (product of per-layer Gram-iteration bounds). Default: on.")
    boolean certify;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the test sample and the attacks. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    AttackOptions attackOptions;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory of the report and plots.")
    Path out;

    @Override
    public Integer call() {
        List<String> names = AttackOptions.names("--attacks", attacks);
        attackOptions.validate();
        double[] l2 = budgets("--eps-l2", epsL2), linf = budgets("--eps-linf", epsLinf);
        if (l2.length + linf.length == 0) throw BadInputException.of("--eps-l2/--eps-linf", "at least one budget", "none");
        EvalSettings settings = new EvalSettings(l2, linf, names, names, certify, attackOptions.settings(), seed);
        List<ModelRef> refs = new ArrayList<>();
        for (Path p : checkpoints) refs.add(ModelRef.resolve("--checkpoint", p));
        Backend b = backend.resolve();
        run(refs, settings, data, testSubset, b, parent.progress(spec), out, spec.commandLine().getOut());
        return Lipreg.OK;
    }

    /** Evaluates every model on one test sample, writes the report files and prints the table and paths. */
    static EvalReport run(List<ModelRef> refs, EvalSettings settings, DataOptions data, int testSubset, Backend b, Progress.Factory progress,
                          Path out, PrintWriter stdout) {
        List<ModelSpec> specs = new ArrayList<>();
        for (ModelRef r : refs) specs.add(r.isOnnx() ? null : r.readSpec());
        Evaluator evaluator = new Evaluator(settings, progress);
        try (Scope scope = Scope.open()) {
            TestImages test = TestImages.load(data, testSubset, settings.seed(), b);
            for (int i = 0; i < refs.size(); i++) {
                if (specs.get(i) != null) Models.checkFits(refs.get(i).spec().toString(), specs.get(i), test.chw(), test.data().numClasses());
            }
            List<EvalReport.ModelReport> reports = new ArrayList<>();
            Map<String, double[]> grads = new LinkedHashMap<>();
            for (int i = 0; i < refs.size(); i++) {
                ModelRef r = refs.get(i);
                try (Scope model = Scope.open()) {
                    ModelRef.Loaded m = r.open(r.checkpoint().toString(), test.chw(), test.data().numClasses(), b);
                    Evaluator.Result res = evaluator.evaluate(unique(r.name(), grads), r.checkpoint().toString(), m.modelName(), m.input(), m.module(), test, b);
                    reports.add(res.report());
                    grads.put(res.report().name(), res.gradL2());
                }
            }
            EvalReport report = EvalReport.of(test.data().name(), settings, reports);
            ReportFiles.Files files = ReportFiles.write(report, out, grads);
            stdout.print(report.markdown());
            stdout.println();
            stdout.println("report: " + files.json() + ", " + files.markdown());
            stdout.println("plots:  " + String.join(", ", files.plots().stream().map(Path::toString).toList()));
            stdout.flush();
            return report;
        }
    }

    /** Two runs may share a directory name (a/run, b/run): keep report names apart. */
    private static String unique(String name, Map<String, ?> taken) {
        String n = name;
        for (int k = 2; taken.containsKey(n); k++) n = name + "-" + k;
        return n;
    }

    static double[] budgets(String option, String list) {
        if (list.isBlank() || list.equalsIgnoreCase("none")) return new double[0];
        List<Double> v = new ArrayList<>();
        for (String s : list.split(",")) {
            try {
                v.add(Double.parseDouble(s.strip()));
            } catch (NumberFormatException e) {
                throw BadInputException.of(option, "comma-separated budgets ε > 0 (or none)", "'" + list + "'");
            }
        }
        return AttackOptions.epsilons(option, v);
    }
}
