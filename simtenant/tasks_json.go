package simtenant

import "time"

// taskStatusJSON is the TaskStatus schema on the wire. Nullable fields
// are pointers without omitempty: the schema requires them, as null.
type taskStatusJSON struct {
	ID                    string              `json:"id"`
	Type                  string              `json:"type"`
	UniqueName            string              `json:"uniqueName"`
	Description           string              `json:"description"`
	ParentName            *string             `json:"parentName"`
	Launcher              string              `json:"launcher"`
	Target                *taskTargetJSON     `json:"target"`
	Created               string              `json:"created"`
	Modified              *string             `json:"modified"`
	Launched              *string             `json:"launched"`
	Completed             *string             `json:"completed"`
	CompletionStatus      *string             `json:"completionStatus"`
	Messages              []taskMessageJSON   `json:"messages"`
	Returns               []taskReturnJSON    `json:"returns"`
	Attributes            map[string]any      `json:"attributes"`
	Progress              *string             `json:"progress"`
	PercentComplete       int                 `json:"percentComplete"`
	TaskDefinitionSummary *taskDefSummaryJSON `json:"taskDefinitionSummary,omitempty"`
}

type taskTargetJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

type taskMessageJSON struct {
	Type          string               `json:"type"`
	LocalizedText localizedMessageJSON `json:"localizedText"`
	Key           string               `json:"key"`
	Parameters    []any                `json:"parameters"`
}

type localizedMessageJSON struct {
	Locale  string `json:"locale"`
	Message string `json:"message"`
}

type taskReturnJSON struct {
	Name          string `json:"name"`
	AttributeName string `json:"attributeName"`
}

type taskDefSummaryJSON struct {
	ID          string         `json:"id"`
	UniqueName  string         `json:"uniqueName"`
	Description *string        `json:"description"`
	ParentName  string         `json:"parentName"`
	Executor    *string        `json:"executor"`
	Arguments   map[string]any `json:"arguments"`
}

func (ts *task) wire() taskStatusJSON {
	out := taskStatusJSON{
		ID:               ts.id,
		Type:             ts.typ,
		UniqueName:       ts.uniqueName,
		Description:      ts.description,
		ParentName:       ts.parentName,
		Launcher:         ts.launcher,
		Created:          formatTime(ts.created),
		Modified:         formatTimePtr(ts.modified),
		Launched:         formatTimePtr(ts.launched),
		Completed:        formatTimePtr(ts.completed),
		CompletionStatus: ts.completionStatus,
		Messages:         make([]taskMessageJSON, len(ts.messages)),
		Returns:          make([]taskReturnJSON, len(ts.returns)),
		Attributes:       ts.attributes,
		Progress:         ts.progress,
		PercentComplete:  ts.percentComplete,
	}
	if out.Attributes == nil {
		out.Attributes = map[string]any{}
	}
	if ts.target != nil {
		out.Target = &taskTargetJSON{ID: ts.target.id, Type: ts.target.typ, Name: ts.target.name}
	}
	for i, m := range ts.messages {
		out.Messages[i] = taskMessageJSON{
			Type:          m.typ,
			LocalizedText: localizedMessageJSON{Locale: "en-US", Message: m.text},
			Key:           m.key,
			Parameters:    m.parameters,
		}
	}
	for i, rt := range ts.returns {
		out.Returns[i] = taskReturnJSON{Name: rt.name, AttributeName: rt.attributeName}
	}
	if d := ts.definition; d != nil {
		out.TaskDefinitionSummary = &taskDefSummaryJSON{
			ID: d.id, UniqueName: d.uniqueName, Description: d.description,
			ParentName: d.parentName, Executor: d.executor, Arguments: d.arguments,
		}
	}
	return out
}

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}
