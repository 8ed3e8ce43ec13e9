package dev.lipreg.cli;

import dev.lipreg.nn.LrSchedule;
import dev.lipreg.regularizers.RobustObjective;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that defines a training run, as given by the options of
 * {@code train} (component names are the options' names in camel case). It is
 * stored with every checkpoint, so {@code --resume} continues the same run.
 * The data directory and backend are not part of it: they may change.
 *
 * @param model       preset name or spec JSON path (the spec itself is saved as model.json)
 * @param trainSubset training images used, 0 = all
 * @param testSubset  test images evaluated after each epoch, 0 = all
 * @param adv         adversarial training ("pgd:STEPS:EPS" or "fgsm:EPS"), or null
 * @param penaltyGradMode "train" or "eval" (runs saved before the option read as "train")
 */
record TrainSettings(String model, String data, int trainSubset, int testSubset, int epochs, int batch, String optimizer, double lr,
                     double momentum, double weightDecay, String schedule, long seed, String loss, Double lip, Double tv,
                     Double squared, String norm, Double fd, boolean margin, String adv, String penaltyGradMode) {

    TrainSettings {
        if (penaltyGradMode == null) penaltyGradMode = Objectives.TRAIN_MODE;
    }

    /** Checks every value, naming the option of the first bad one. */
    TrainSettings validate() {
        DataSource.parse("--data", data);
        if (trainSubset < 0) throw BadInputException.of("--train-subset", "a count >= 0 (0 = all)", trainSubset);
        if (testSubset < 0) throw BadInputException.of("--test-subset", "a count >= 0 (0 = all)", testSubset);
        if (epochs < 1) throw BadInputException.of("--epochs", "a count >= 1", epochs);
        if (batch < 1) throw BadInputException.of("--batch", "a batch size >= 1", batch);
        Optimizers.check(optimizer, lr, momentum, weightDecay);
        lrSchedule();
        objective();
        if (adv != null) Adversaries.parse("--adv", adv, norm, seed);
        return this;
    }

    LrSchedule lrSchedule() {
        return Optimizers.schedule(schedule, lr, epochs);
    }

    /** The objective without the adversary (which needs the attack classes, see {@link Adversaries}). */
    RobustObjective objective() {
        return Objectives.of(loss, lip, tv, squared, norm, fd, margin, penaltyGradMode);
    }

    TrainSettings withEpochs(int e) {
        return new TrainSettings(model, data, trainSubset, testSubset, e, batch, optimizer, lr, momentum, weightDecay, schedule, seed, loss,
                lip, tv, squared, norm, fd, margin, adv, penaltyGradMode);
    }

    /** Component values by option name ("--weight-decay" → weightDecay). */
    Map<String, Object> byOption() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : TrainSettings.class.getRecordComponents()) {
            try {
                m.put("--" + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT), c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    String toJson() {
        return Json.write(this);
    }

    static TrainSettings fromJson(String json, String where) {
        try {
            return Json.MAPPER.readValue(json, TrainSettings.class);
        } catch (Exception e) {
            throw new BadInputException(where + ": unreadable training settings: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
