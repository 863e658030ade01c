package k8sdecoder

// These structs read only the fields the decoder maps, not the full API
// types: a watch event is untrusted input, and decoding a whole Pod with
// its quantities and int-or-strings costs several times more for fields
// nobody reads here. The JSON names are the Kubernetes API's.

// watchEvent is the record's body.
type watchEvent struct {
	Type   string  `json:"type"`
	Object *object `json:"object"`
}

type object struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   metadata `json:"metadata"`
	Spec       struct {
		NodeName string `json:"nodeName"`
	} `json:"spec"`
	Status status `json:"status"`

	// core/v1 Event.
	InvolvedObject *reference `json:"involvedObject"`
	Reason         string     `json:"reason"`
	Message        string     `json:"message"`
	Type           string     `json:"type"`
	Count          int64      `json:"count"`
	Source         struct {
		Component string `json:"component"`
		Host      string `json:"host"`
	} `json:"source"`
	ReportingComponent string `json:"reportingComponent"`
	Series             *struct {
		Count int64 `json:"count"`
	} `json:"series"`

	// events.k8s.io/v1 Event, for a receiver configured to watch it.
	Regarding           *reference `json:"regarding"`
	Note                string     `json:"note"`
	DeprecatedCount     int64      `json:"deprecatedCount"`
	ReportingController string     `json:"reportingController"`
	DeprecatedSource    struct {
		Host string `json:"host"`
	} `json:"deprecatedSource"`
}

type metadata struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	UID             string            `json:"uid"`
	ResourceVersion string            `json:"resourceVersion"`
	Labels          map[string]string `json:"labels"`
	OwnerReferences []struct {
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		Controller *bool  `json:"controller"`
	} `json:"ownerReferences"`
}

type reference struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

type status struct {
	Phase      string `json:"phase"`
	Reason     string `json:"reason"`
	Conditions []struct {
		Type    string `json:"type"`
		Status  string `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"conditions"`
	InitContainerStatuses []containerStatus `json:"initContainerStatuses"`
	ContainerStatuses     []containerStatus `json:"containerStatuses"`
}

type containerStatus struct {
	Name         string         `json:"name"`
	RestartCount int64          `json:"restartCount"`
	State        containerState `json:"state"`
	LastState    containerState `json:"lastState"`
}

type containerState struct {
	Waiting *struct {
		Reason string `json:"reason"`
	} `json:"waiting"`
	Running    *struct{} `json:"running"`
	Terminated *struct {
		Reason   string `json:"reason"`
		ExitCode int64  `json:"exitCode"`
	} `json:"terminated"`
}
