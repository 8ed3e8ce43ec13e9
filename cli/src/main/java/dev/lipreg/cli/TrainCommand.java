package dev.lipreg.cli;

import dev.lipreg.tensor.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code lipreg train}: trains a model with optional gradient penalties or adversarial training, checkpointing every epoch. */
@Command(name = "train", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Train a model, optionally with Lipschitz / total-variation / squared gradient penalties or adversarial training.",
                "Writes OUT/model.json, OUT/checkpoint.safetensors (weights, optimizer state, epoch; replaced atomically each epoch) "
                        + "and OUT/history.json. --resume continues a run exactly where its last completed epoch ended."})
final class TrainCommand implements Callable<Integer> {
    /** Options that may differ from the stored run on --resume: they do not change what is computed. */
    private static final Set<String> FREE_ON_RESUME = Set.of("--epochs", "--out", "--resume", "--reset-optimizer", "--backend", "--data-dir",
            "--stacktrace");

    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "PRESET|SPEC.json", defaultValue = "fashion-cnn",
            description = "Preset (fashion-cnn, mlp, resnet-small, resnext34-2x32) or model spec JSON file. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--init", paramLabel = "MODEL.onnx",
            description = "Fine-tune an imported ONNX model (conv, linear, batch norm, activation, pool, flatten and dropout layers "
                    + "and residual/bottleneck blocks; " + OnnxModels.ASSUMPTION + "): its layers become the run's model.json, "
                    + "its weights the starting point.")
    Path init;

    @Mixin
    DataOptions data;

    @Option(names = "--train-subset", paramLabel = "N", defaultValue = "0", description = "Train on a fixed seeded sample of N images (0 = all).")
    int trainSubset;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "0",
            description = "Evaluate after each epoch on a fixed seeded sample of N test images (0 = all).")
    int testSubset;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Total epochs of the run. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "sgd", description = "sgd, adam or adamw. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05", description = "Learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    double momentum;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0",
            description = "Weight decay (L2 for sgd/adam, decoupled for adamw). Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--schedule", paramLabel = "SCHEDULE", defaultValue = "constant",
            description = "Learning-rate schedule: constant, step:SIZE:GAMMA, multistep:E1,E2,...:GAMMA or cosine[:MIN_LR]. Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of initialization, shuffling and subsets. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    PenaltyOptions penalties;

    @Option(names = "--adv", paramLabel = "ATTACK",
            description = "Adversarial training on " + Adversaries.FORMS + " examples (norm defaults to --norm).")
    String adv;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory of the run.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last completed epoch, up to --epochs: on the same backend the weights equal "
                    + "those of an uninterrupted run, bit for bit (with --adv, PGD's random starts restart from the seed).")
    boolean resume;

    @Option(names = "--reset-optimizer", description = "With --resume: continue from a checkpoint that lacks its optimizer state (momentum, "
            + "Adam moments), starting that state afresh. The weights then differ from an uninterrupted run's.")
    boolean resetOptimizer;

    TrainSettings settings() {
        return new TrainSettings(model, data.data, trainSubset, testSubset, epochs, batch, optimizer, lr, momentum, weightDecay, schedule, seed,
                penalties.loss, penalties.lip, penalties.tv, penalties.squared, penalties.norm, penalties.fd, penalties.margin, adv,
                penalties.penaltyGradMode);
    }

    @Override
    public Integer call() {
        FreshRunFiles before = FreshRunFiles.before(out);
        try {
            return train();
        } catch (RuntimeException | Error e) {
            // a fresh run that failed before its first checkpoint leaves nothing it wrote behind
            if (!resume && !new RunDir(out).hasCheckpoint()) before.discardNew();
            throw e;
        }
    }

    private Integer train() {
        RunDir.checkOut("--out", out);
        if (resetOptimizer && !resume) throw BadInputException.of("--reset-optimizer", "--resume as well", "a fresh run");
        RunDir dir = new RunDir(out);
        // a run in progress is reported as such, before anything about the directory's content
        if (java.nio.file.Files.isDirectory(out)) RunLock.acquire("--out", out).close();
        TrainSettings s;
        int firstEpoch = 0;
        if (resume) {
            if (!dir.hasCheckpoint()) throw new BadInputException("--resume: " + out + " holds no " + RunDir.CHECKPOINT + " to resume from");
            RunDir.State state = dir.state();
            s = checkSameRun(state.settings()).withEpochs(epochs);
            firstEpoch = state.epochsCompleted();
            if (firstEpoch >= epochs) {
                try (RunLock lock = RunLock.acquire("--out", out)) {
                    dir.repairHistory(dir.state());
                }
                spec.commandLine().getOut().println("nothing to do: " + out + " already completed " + firstEpoch + " of " + epochs + " epochs");
                return Lipreg.OK;
            }
        } else {
            if (dir.hasCheckpoint()) {
                throw new BadInputException("--out: " + out + " already holds a training run; pass --resume to continue it or choose another directory");
            }
            if (init != null) {
                if (spec.commandLine().getParseResult().hasMatchedOption("--model")) {
                    throw new BadInputException("--init: the model comes from " + init + "; drop --model");
                }
                model = OnnxInit.prepare("--init", init, out).toString();
            }
            s = settings();
        }
        if (resume && init != null) throw new BadInputException("--init: starts a new run; --resume continues " + out + " from its checkpoint");
        s.validate();
        Backend b = backend.resolve();
        TrainingRun run = new TrainingRun(s, out, b, data.dir, parent.progress(spec), spec.commandLine().getOut());
        if (init != null) run.initialWeights(OnnxInit.weights(out));
        TrainingRun.Result r = run.run(resume, firstEpoch, resetOptimizer);
        spec.commandLine().getOut().printf("trained %d epoch(s) in %s; checkpoint: %s%n", r.epochs().size(), Progress.duration(r.seconds()),
                dir.checkpoint());
        return Lipreg.OK;
    }

    /** The stored run's settings, after checking that no option given now contradicts them. */
    private TrainSettings checkSameRun(TrainSettings stored) {
        Map<String, Object> now = settings().byOption(), then = stored.byOption();
        for (CommandLine.Model.OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            if (FREE_ON_RESUME.contains(name) || !now.containsKey(name)) continue;
            if (!Objects.equals(now.get(name), then.get(name))) {
                throw new BadInputException(name + ": " + now.get(name) + " differs from the run being resumed (" + then.get(name)
                        + "); --resume continues the same run, only " + List.copyOf(FREE_ON_RESUME).stream().sorted().toList() + " may change");
            }
        }
        return stored;
    }
}
