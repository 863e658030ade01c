package deploycheck

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Granted lists, rule by rule, what the rendered RBAC objects allow a
// ServiceAccount: each verb on each resource of each rule bound to it, in
// the binding's namespace for a RoleBinding. A wildcard or a non-resource
// URL is returned as is, so a least-privilege check sees it and fails.
func Granted(objs []*unstructured.Unstructured, saNamespace, saName string) ([]Access, error) {
	var out []Access
	for _, o := range objs {
		var ref rbacv1.RoleRef
		var subjects []rbacv1.Subject
		switch o.GetKind() {
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b); err != nil {
				return nil, fmt.Errorf("read ClusterRoleBinding %s: %w", o.GetName(), err)
			}
			ref, subjects = b.RoleRef, b.Subjects
		case "RoleBinding":
			var b rbacv1.RoleBinding
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b); err != nil {
				return nil, fmt.Errorf("read RoleBinding %s: %w", o.GetName(), err)
			}
			ref, subjects = b.RoleRef, b.Subjects
		default:
			continue
		}
		if !bindsServiceAccount(subjects, saNamespace, saName) {
			continue
		}
		rules, err := roleRules(objs, ref, o.GetNamespace())
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		for _, r := range rules {
			out = append(out, expand(r, o.GetNamespace())...)
		}
	}
	return out, nil
}

func bindsServiceAccount(subjects []rbacv1.Subject, ns, name string) bool {
	for _, s := range subjects {
		if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == ns && s.Name == name {
			return true
		}
	}
	return false
}

// roleRules finds the rendered role a binding refers to. A binding to a
// role the manifests do not ship would depend on the cluster, so it is an
// error here.
func roleRules(objs []*unstructured.Unstructured, ref rbacv1.RoleRef, bindingNamespace string) ([]rbacv1.PolicyRule, error) {
	for _, o := range objs {
		if o.GetKind() != ref.Kind || o.GetName() != ref.Name {
			continue
		}
		if ref.Kind == "Role" && o.GetNamespace() != bindingNamespace {
			continue
		}
		var rules struct {
			Rules []rbacv1.PolicyRule `json:"rules"`
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &rules); err != nil {
			return nil, fmt.Errorf("read %s %s: %w", ref.Kind, ref.Name, err)
		}
		return rules.Rules, nil
	}
	return nil, fmt.Errorf("role %s %s is not in the manifests", ref.Kind, ref.Name)
}

func expand(r rbacv1.PolicyRule, namespace string) []Access {
	var out []Access
	for _, url := range r.NonResourceURLs {
		for _, verb := range r.Verbs {
			out = append(out, Access{Resource: "nonResourceURL:" + url, Verb: verb})
		}
	}
	names := r.ResourceNames
	if len(names) == 0 {
		names = []string{""}
	}
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, verb := range r.Verbs {
				for _, n := range names {
					out = append(out, Access{Group: g, Resource: res, Verb: verb, Namespace: namespace, Name: n})
				}
			}
		}
	}
	return out
}
