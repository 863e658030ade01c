package unifiedeventexporter

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/yairfalse/tapio/internal/unifiedevent"
)

// subjectOnResource says whether the Resource names the event's pod or
// container, as tapio_k8s_enrich (and contrib's k8s_attributes) write them
// there. FromRecord then merged them into ev's parts.
func subjectOnResource(ra pcommon.Map) (k8s, container bool) {
	for k := range ra.All() {
		switch k {
		case string(semconv.K8SPodUIDKey), string(semconv.K8SPodNameKey):
			k8s = true
		case string(semconv.ContainerIDKey), string(semconv.ContainerNameKey),
			string(semconv.ContainerImageNameKey), string(semconv.ContainerRuntimeNameKey):
			container = true
		}
	}
	return k8s, container
}

// appendMergedBody writes the body with its k8s and container parts
// replaced by ev's, which FromRecord merged from the body and the Resource:
// consumers of the JSON find the subject in the body wherever the pipeline
// put it. The parts are written from the Event under the schema's own keys
// (BodyStrings), allocating nothing; the other parts key for key as usual.
func appendMergedBody(b []byte, body pcommon.Map, ev *unifiedevent.Event, k8s, container bool) []byte {
	k8s = k8s && ev.K8s != nil
	container = container && ev.Container != nil
	b, wrote := appendMembers(append(b, '{'), body, func(k string) bool {
		return (!k8s || k != unifiedevent.PartK8s) && (!container || k != unifiedevent.PartContainer)
	})
	first := !wrote
	if k8s {
		if !first {
			b = append(b, ',')
		}
		first = false
		f := ev.K8s.BodyStrings()
		b = appendPart(b, unifiedevent.PartK8s, f[:], unifiedevent.BodyServicesKey, ev.K8s.Services)
	}
	if container {
		if !first {
			b = append(b, ',')
		}
		f := ev.Container.BodyStrings()
		b = appendPart(b, unifiedevent.PartContainer, f[:], "", nil)
	}
	return append(b, '}')
}

// appendPart writes "key":{…} with the non-empty fields and, when listKey
// is set and list is not empty, the list.
func appendPart(b []byte, key string, fields []unifiedevent.BodyField, listKey string, list []string) []byte {
	b = appendString(b, key)
	b = append(b, ':', '{')
	first := true
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.Key)
		b = append(b, ':')
		b = appendString(b, f.Value)
	}
	if listKey != "" && len(list) > 0 {
		if !first {
			b = append(b, ',')
		}
		b = appendString(b, listKey)
		b = append(b, ':', '[')
		for i, s := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
