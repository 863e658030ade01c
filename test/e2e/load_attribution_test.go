package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"

	"github.com/yairfalse/tapio/internal/loadgen"
)

// The collector's CPU profile over a load, split by component, is how
// tapio_k8s_enrich and k8s_attributes, and tapio_cni and filelog, are
// measured apart though they run in one process on the same records.

// The parts a sample can be charged to.
const (
	partEnrich  = "enrich"
	partK8sattr = "k8sattr"
	partCNI     = "cni"
	partFilelog = "filelog"
	// partFileconsumer is stanza's file reader, which tapio_cni and
	// filelog both run: reading and the scan loop are the same frames for
	// either, so they are not told apart.
	partFileconsumer = "fileconsumer"
	// partPipeline is every other component and the glue between them.
	partPipeline = "pipeline"
)

const (
	contribPkg = "github.com/open-telemetry/opentelemetry-collector-contrib/"
	corePkg    = "go.opentelemetry.io/collector/"
	tapioPkg   = "github.com/yairfalse/tapio/"
)

// parts maps function-name prefixes to parts, the more specific first.
// A sample is charged to the part of its leafmost frame that has one: a
// component pays for the libraries it calls (pdata, client-go, the
// runtime's malloc, the storage extension it checkpoints to), while the
// components it hands records to, and the helpers in between, are
// charged as the pipeline's.
var parts = []struct {
	part     string
	prefixes []string
}{
	{partK8sattr, []string{contribPkg + "processor/k8sattributesprocessor"}},
	{partEnrich, []string{tapioPkg + "processor/k8senrichprocessor"}},
	// Only tapio_cni checkpoints its offsets (to file_storage, in the
	// shipped shape): stanza saves them for the reader that has storage.
	{partCNI, []string{tapioPkg + "receiver/cnireceiver", contribPkg + "pkg/stanza/fileconsumer/internal/checkpoint"}},
	{partFileconsumer, []string{
		contribPkg + "pkg/stanza/fileconsumer", contribPkg + "pkg/stanza/flush",
		contribPkg + "pkg/stanza/trim", contribPkg + "pkg/stanza/tokenlen",
	}},
	{partFilelog, []string{contribPkg + "receiver/filelogreceiver", contribPkg + "pkg/stanza/"}},
	{partPipeline, []string{
		tapioPkg + "receiver/", tapioPkg + "processor/", tapioPkg + "connector/", tapioPkg + "exporter/",
		contribPkg + "receiver/", contribPkg + "processor/", contribPkg + "connector/", contribPkg + "exporter/",
		corePkg + "receiver/", corePkg + "processor/", corePkg + "connector/", corePkg + "exporter/",
		corePkg + "consumer", corePkg + "internal/fanoutconsumer", corePkg + "service/",
	}},
}

func partOf(function string) string {
	for _, p := range parts {
		for _, prefix := range p.prefixes {
			if strings.HasPrefix(function, prefix) {
				return p.part
			}
		}
	}
	return ""
}

// attribute sums sampleType's values by part; samples with no frame of
// any part (the GC's workers, informers' goroutines, gRPC's transport)
// are under "".
func attribute(p *profile.Profile, sampleType string) (map[string]int64, error) {
	idx, err := p.SampleIndexByName(sampleType)
	if err != nil {
		return nil, fmt.Errorf("attribute: %w", err)
	}
	byLocation := map[*profile.Location]string{}
	locationPart := func(loc *profile.Location) string {
		part, ok := byLocation[loc]
		if !ok {
			// Lines run from the innermost inlined function outwards.
			for _, l := range loc.Line {
				if l.Function != nil {
					if part = partOf(l.Function.Name); part != "" {
						break
					}
				}
			}
			byLocation[loc] = part
		}
		return part
	}
	out := map[string]int64{}
	for _, s := range p.Sample {
		part := ""
		for _, loc := range s.Location {
			if part = locationPart(loc); part != "" {
				break
			}
		}
		out[part] += s.Value[idx]
	}
	return out, nil
}

func readProfile(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", path, err)
	}
	return p, nil
}

// handled is what each part worked on between two scrapes: records into
// each processor, lines each reader took in.
// k8sattrFound and k8sattrMissed are the Resources k8s_attributes found
// a pod for and did not.
type handled struct {
	enrich, k8sattr, cniLines, filelogLines float64
	k8sattrFound, k8sattrMissed             float64
}

func handledBetween(m0, m1 loadgen.Metrics) handled {
	delta := func(name string, labels ...string) float64 {
		// Exporters name counters with or without the _total suffix.
		at := func(m loadgen.Metrics) float64 { return m.Sum(name, labels...) + m.Sum(name+"_total", labels...) }
		return at(m1) - at(m0)
	}
	incoming, association := "otelcol_processor_incoming_items", "otelcol_k8s_pod_association"
	return handled{
		enrich:        delta(incoming, `processor="`+enrichID+`"`),
		k8sattr:       delta(incoming, `processor="`+k8sattrID+`"`),
		cniLines:      delta("otelcol_tapio_cni_entries_read"),
		filelogLines:  delta("otelcol_receiver_accepted_log_records", `receiver="filelog/cni"`),
		k8sattrFound:  delta(association, `status="success"`),
		k8sattrMissed: delta(association, `status="error"`),
	}
}

// perUnit is a part's CPU in microseconds per record or line.
type perUnit struct {
	metric string
	part   string
	units  float64
}

// reportAttribution logs the CPU profile's split and, over a load (not
// idle, where the few host events would carry the fixed costs), reports
// each part's CPU per record or line it handled. The profiler samples
// every 10 ms of CPU, so a part's figure rests on its sample count, which
// the log gives.
//
// The heap profile is not split so: informer stores are decoded in
// client-go's own goroutines, under no component's frames, and the heap
// is sampled every 512 KiB allocated, coarser than a node's pod caches;
// issue 7's BenchmarkPodMemorySideBySide compares the two's memory.
func reportAttribution(b *testing.B, name, cpuPath string, h handled, metrics bool) {
	b.Helper()
	cpuProfile, err := readProfile(cpuPath)
	require.NoError(b, err)
	cpu, err := attribute(cpuProfile, "cpu")
	require.NoError(b, err)
	samples, err := attribute(cpuProfile, "samples")
	require.NoError(b, err)
	var total int64
	for _, ns := range cpu {
		total += ns
	}
	units := []perUnit{
		{"enrich-us/event", partEnrich, h.enrich},
		{"k8sattr-us/event", partK8sattr, h.k8sattr},
		{"cni-us/line", partCNI, h.cniLines},
		{"filelog-us/line", partFilelog, h.filelogLines},
		// Per line of the file, whichever reader read it.
		{"fileconsumer-us/line", partFileconsumer, h.cniLines},
	}
	var lines []string
	for _, u := range units {
		if u.units <= 0 {
			continue
		}
		us := float64(cpu[u.part]) / 1e3 / u.units
		if metrics {
			b.ReportMetric(us, u.metric)
		}
		lines = append(lines, fmt.Sprintf("%s %.2f s in %d samples (%.2f us each of %.0f)",
			u.part, seconds(cpu[u.part]), samples[u.part], us, u.units))
	}
	b.Logf("%s: CPU by component, charged to the leafmost component frame: %s; rest of the pipeline %.2f s, in no component (GC, informers, gRPC transport) %.2f s, of %.2f s profiled",
		name, strings.Join(lines, ", "), seconds(cpu[partPipeline]), seconds(cpu[""]), seconds(total))
	if h.k8sattr > 0 {
		b.Logf("%s: k8s_attributes found the pod for %.0f Resources and none for %.0f", name, h.k8sattrFound, h.k8sattrMissed)
	}
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// A sample goes to its leafmost component frame: k8s_attributes pays for
// the pdata it calls, not enrichment above it; a record handed from
// tapio_cni into the pipeline is the pipeline's; stanza's reader alone is
// neither reader's, its checkpoints (and their storage) tapio_cni's; the
// GC is no component's.
func TestAttributeChargesTheLeafmostComponent(t *testing.T) {
	fn := map[string]*profile.Function{}
	loc := func(names ...string) *profile.Location {
		l := &profile.Location{ID: uint64(len(fn) + 1)}
		for _, n := range names {
			if fn[n] == nil {
				fn[n] = &profile.Function{ID: uint64(len(fn) + 1), Name: n}
			}
			l.Line = append(l.Line, profile.Line{Function: fn[n]})
		}
		return l
	}
	var (
		pdata     = loc(corePkg + "pdata/pcommon.Map.PutStr")
		k8sattr   = loc(contribPkg + "processor/k8sattributesprocessor.(*kubernetesprocessor).processResource")
		helper    = loc(corePkg + "processor/processorhelper.NewLogs.func1")
		enrich    = loc(tapioPkg + "processor/k8senrichprocessor.(*processor).processLogs")
		cni       = loc(tapioPkg + "receiver/cnireceiver.(*receiver).emit")
		unified   = loc(tapioPkg + "processor/unifiedeventprocessor.(*processor).processLogs")
		read      = loc(contribPkg + "pkg/stanza/fileconsumer/internal/reader.(*Reader).ReadToEnd")
		poll      = loc(contribPkg + "pkg/stanza/fileconsumer.(*Manager).poll")
		regex     = loc(contribPkg + "pkg/stanza/operator/parser/regex.(*Parser).ParseTo")
		malloc    = loc("runtime.mallocgc")
		gc        = loc("runtime.gcBgMarkWorker")
		cniSplit  = loc(tapioPkg+"receiver/cnireceiver.(*receiver).split", "bufio.(*Scanner).Scan")
		syscallRd = loc("syscall.read")
		bbolt     = loc(contribPkg + "extension/storage/filestorage.(*fileStorageClient).Set")
		save      = loc(contribPkg + "pkg/stanza/fileconsumer/internal/checkpoint.SaveKey")
	)
	sample := func(v int64, stack ...*profile.Location) *profile.Sample {
		return &profile.Sample{Value: []int64{1, v}, Location: stack}
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			sample(1, pdata, k8sattr, helper, helper, enrich, helper),
			sample(2, malloc, enrich, helper, unified, helper, cni, read, poll),
			sample(4, helper, unified, helper, cni, read, poll),
			sample(8, cniSplit, read, poll),
			sample(16, syscallRd, read, poll),
			sample(32, malloc, regex),
			sample(64, gc),
			sample(128, bbolt, save, poll),
		},
	}
	got, err := attribute(p, "cpu")
	require.NoError(t, err)
	require.Equal(t, map[string]int64{
		partK8sattr: 1, partEnrich: 2, partPipeline: 4, partCNI: 8 + 128, partFileconsumer: 16, partFilelog: 32, "": 64,
	}, got)
	_, err = attribute(p, "inuse_space")
	require.Error(t, err, "a sample type the profile lacks")
}
