# LipReg build entry points. `make test` is what CI runs.
SHELL := /bin/bash

# Pick a JDK >= 22: JAVA_HOME if new enough, else Temurin 25 under /usr/lib/jvm.
JDK_CANDIDATES := $(JAVA_HOME) /usr/lib/jvm/temurin-25-jdk-amd64 $(wildcard /usr/lib/jvm/temurin-2[2-9]-jdk-amd64 /usr/lib/jvm/java-2[2-9]-openjdk-amd64)
define jdk_ok
$(shell v=$$("$(1)/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); [ -n "$$v" ] && [ "$$v" -ge 22 ] 2>/dev/null && echo $(1))
endef
JDK := $(firstword $(foreach j,$(JDK_CANDIDATES),$(call jdk_ok,$(j))))
ifeq ($(JDK),)
$(error No JDK 22+ found. Install one (e.g. Temurin 25: apt-get install temurin-25-jdk) and set JAVA_HOME)
endif
export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)

MVN ?= mvn
MVN_FLAGS ?= -B -ntp
FASHION_DIR ?= /usr/share/datasets/fashion-mnist
LIPREG := cli/target/lipreg/bin/lipreg

.PHONY: all build test demo bench bench-compare bindings launcher clean fashion-mnist javadoc
.PHONY: onnx-fixtures bench-onnx first-step
.PHONY: corpus fuzz soak

all: build

build:
	$(MVN) $(MVN_FLAGS) -DskipTests install

# The whole test suite (what .ci/run and the README call).
test:
	$(MVN) $(MVN_FLAGS) install

# API documentation of every module (doclint on, generated bindings excluded) under */target/site/apidocs.
javadoc:
	$(MVN) $(MVN_FLAGS) javadoc:javadoc

launcher:
	$(MVN) $(MVN_FLAGS) -DskipTests -pl cli -am install

# Real Fashion-MNIST from Debian's dataset-fashion-mnist package.
fashion-mnist:
	@if [ ! -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	  else echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist' (Debian) or set FASHION_DIR"; exit 2; fi; \
	fi

# The main job: undefended vs TV+Lipschitz fashion-cnn on real Fashion-MNIST.
demo: fashion-mnist launcher
	$(LIPREG) demo --data $(FASHION_DIR) --out target/demo

bench: launcher
	$(MVN) $(MVN_FLAGS) -DskipTests -pl bench -am package
	$(JAVA_HOME)/bin/java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar

# LipReg vs libtorch 2.7.1 (DJL, offline) and PyTorch 1.13 (Debian's python3-torch) on this machine,
# alternating, same threads; prints the table, writes target/bench/compare.json and compare.md.
# Larger workloads: make bench-compare BENCH_ARGS='--model resnext34-2x32 --batch 32 --modes train,exact-penalty'
BENCH_THREADS ?= 2
LIBTORCH_CP = bench-torch/target/classes:$$(cat bench-torch/target/classpath.txt)
bench-compare:
	$(MVN) $(MVN_FLAGS) -DskipTests -pl bench,bench-torch -am package
	OMP_NUM_THREADS=$(BENCH_THREADS) $(JAVA_HOME)/bin/java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
	  dev.lipreg.bench.Compare --threads $(BENCH_THREADS) --out target/bench --libtorch "$(LIBTORCH_CP)" $(BENCH_ARGS)

# Fresh-JVM latency a new user sees: JVM start -> Backends.auto() -> first finished exact-penalty step.
first-step:
	$(MVN) $(MVN_FLAGS) -DskipTests -pl bench -am package
	$(JAVA_HOME)/bin/java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.lipreg.bench.FirstStep

# Regenerate the jextract bindings from the pinned arg files.
bindings:
	bash native-bindings/jextract/generate.sh

# Hardening (docs/hardening.md): regenerate the malformed-input corpus; fuzz every loader with
# Jazzer for FUZZ_TESTS (each method fuzzes 60 s); a soak of SOAK_STEPS exact-penalty steps.
FUZZ_TESTS ?= idxImages idxLabels cifar10 cifar100 safetensors modelSpec onnx
SOAK_STEPS ?= 10000
corpus:
	$(MVN) $(MVN_FLAGS) -q -pl cli -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
	$(JAVA_HOME)/bin/java -cp cli/target/test-classes:$$(cat cli/target/test.classpath) dev.lipreg.cli.MalformedCorpus cli/src/test/resources/corpus

fuzz:
	@mkdir -p target; for t in $(FUZZ_TESTS); do \
	  JAZZER_FUZZ=1 $(MVN) $(MVN_FLAGS) -pl cli -am test -Dtest="LoaderFuzzTest#$$t" -Dsurefire.failIfNoSpecifiedTests=false \
	    -Dsurefire.jvm.args="--enable-native-access=ALL-UNNAMED -Xss8m -Xmx1g" \
	    2>&1 | tee target/fuzz-$$t.log | grep -E '^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs|Tests run:.*LoaderFuzzTest|FAIL' ; \
	done

soak:
	$(MVN) $(MVN_FLAGS) -pl cli -am test -Dtest=SoakTest -Dsoak.steps=$(SOAK_STEPS) -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dsurefire.jvm.args="--enable-native-access=ALL-UNNAMED -Xss8m -Xms512m -Xmx512m -XX:+AlwaysPreTouch"
	cat cli/target/soak.txt

clean:
	$(MVN) $(MVN_FLAGS) clean

# Regenerate the committed ONNX import fixtures with Debian's python3-torch.
onnx-fixtures:
	/usr/bin/python3 onnx/src/test/python/torch_models.py onnx/src/test/resources/dev/lipreg/onnx tiny_cnn tiny_mlp

# Imported fashion-cnn and resnet-small: LipReg vs ONNX Runtime's CPU EP (same threads), and LipReg's input-gradient step.
bench-onnx:
	$(MVN) $(MVN_FLAGS) -q -DskipTests -pl onnx -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
	OMP_NUM_THREADS=$(BENCH_THREADS) $(JAVA_HOME)/bin/java --enable-native-access=ALL-UNNAMED \
	  -cp onnx/target/test-classes:onnx/target/classes:$$(cat onnx/target/test.classpath) dev.lipreg.onnx.OnnxBench --threads $(BENCH_THREADS) $(BENCH_ARGS)

# LipReg on Apache Spark (docs/spark.md). spark-jar: the shaded jar for spark-submit and the local-mode
# launcher spark/target/bin/lipreg-spark. spark-demo: a λ sweep (trade-off plot) and the distributed
# evaluation of two of its models through spark-submit's entry point, in local mode on real Fashion-MNIST.
# spark-bench: images/s in local[1] vs local[2] and the cluster size for 10,000 images in 10 minutes.
SPARK_MASTER ?= local[2]
SPARK_OUT ?= target/spark-demo
SPARK_TRAIN ?= 10000
SPARK_TEST ?= 500
SPARK_BENCH_IMAGES ?= 60
LIPREG_SPARK := spark/target/bin/lipreg-spark
SPARK_JVM = --enable-native-access=ALL-UNNAMED $$(v=$$($(JAVA_HOME)/bin/java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); [ "$$v" -ge 23 ] && echo --sun-misc-unsafe-memory-access=allow) -Xss8m -Djava.awt.headless=true -Dlog4j2.configurationFile=spark/target/bin/log4j2.properties
SPARK_CP = $$(cat spark/target/spark.classpath)
.PHONY: spark-jar spark-demo spark-bench
spark-jar:
	$(MVN) $(MVN_FLAGS) -q -DskipTests -Pshaded -pl spark -am package
	@ls spark/target/lipreg-spark-*-all.jar

spark-demo: fashion-mnist spark-jar
	$(LIPREG_SPARK) sweep --master $(SPARK_MASTER) --data-dir $(FASHION_DIR) --model fashion-cnn --train-subset $(SPARK_TRAIN) \
	  --lip 0,0.01,0.1,1 --tv 0.01 --test-subset $(SPARK_TEST) --eps-l2 0.5,1 --out $(SPARK_OUT)/sweep
	$(JAVA_HOME)/bin/java $(SPARK_JVM) -cp "$(SPARK_CP)" org.apache.spark.deploy.SparkSubmit --master $(SPARK_MASTER) \
	  --class dev.lipreg.spark.LipregSpark $$(ls spark/target/lipreg-spark-*-all.jar) eval --data-dir $(FASHION_DIR) \
	  --checkpoint $(SPARK_OUT)/sweep/runs/lip0-tv0.01-l2-exact --checkpoint $(SPARK_OUT)/sweep/runs/lip0.1-tv0.01-l2-exact \
	  --test-subset $(SPARK_TEST) --attacks pgd,deepfool --out $(SPARK_OUT)/eval

spark-bench: fashion-mnist spark-jar
	@test -d $(SPARK_OUT)/sweep/runs/lip0-tv0.01-l2-exact || { echo "run 'make spark-demo' first: the benchmark evaluates its undefended model"; exit 2; }
	$(JAVA_HOME)/bin/java $(SPARK_JVM) -cp "$$(ls spark/target/lipreg-spark-*-all.jar):$(SPARK_CP)" dev.lipreg.spark.ScalingBench \
	  $(SPARK_OUT)/sweep/runs/lip0-tv0.01-l2-exact $(SPARK_BENCH_IMAGES) $(FASHION_DIR)
