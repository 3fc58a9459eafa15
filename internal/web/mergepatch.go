package web

// mergePatch applies an RFC 7396 JSON merge patch to target: objects merge
// key by key, null removes a key, anything else replaces. Both sides are
// decoded JSON (map[string]any and friends).
func mergePatch(target map[string]any, patch map[string]any) map[string]any {
	if target == nil {
		target = map[string]any{}
	}
	for key, value := range patch {
		if value == nil {
			delete(target, key)
			continue
		}
		sub, isObject := value.(map[string]any)
		if !isObject {
			target[key] = value
			continue
		}
		current, _ := target[key].(map[string]any)
		target[key] = mergePatch(current, sub)
	}
	return target
}
