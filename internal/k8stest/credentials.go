package k8stest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeCredentials makes a static token per user and the service-account
// signing key. Static tokens rather than client certificates keep a user
// one line in a file, and the API server reads that file only at start,
// which is why users are declared in Options up front.
func (c *Cluster) writeCredentials() error {
	users := append([]string{AdminUser}, c.opts.Users...)
	c.tokens = make(map[string]string, len(users))
	var lines []string
	for _, u := range users {
		if strings.ContainsAny(u, ",\"\n") || u == "" {
			return fmt.Errorf("user name %q cannot go in a token file", u)
		}
		if _, dup := c.tokens[u]; dup {
			return fmt.Errorf("user %q declared twice", u)
		}
		tok, err := randomHex(16)
		if err != nil {
			return err
		}
		c.tokens[u] = tok
		groups := "system:authenticated"
		if u == AdminUser {
			groups = "system:masters,system:authenticated"
		}
		lines = append(lines, fmt.Sprintf("%s,%s,uid-%s,\"%s\"", tok, u, u, groups))
	}
	c.tokenFile = filepath.Join(c.dir, "tokens.csv")
	if err := os.WriteFile(c.tokenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("make service-account key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode service-account key: %w", err)
	}
	c.saKeyFile = filepath.Join(c.dir, "sa.key")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(c.saKeyFile, pemBytes, 0o600); err != nil {
		return fmt.Errorf("write service-account key: %w", err)
	}
	return nil
}

// writeKubeconfigs writes one kubeconfig per user for the first API
// server, for programs that take a path (kwok, a receiver's config).
func (c *Cluster) writeKubeconfigs() error {
	for user := range c.tokens {
		cfg := c.ConfigFor(user)
		kc := clientcmdapi.NewConfig()
		kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthority: cfg.CAFile}
		kc.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
		kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
		kc.CurrentContext = "test"
		if err := clientcmd.WriteToFile(*kc, c.Kubeconfig(user)); err != nil {
			return fmt.Errorf("write kubeconfig for %s: %w", user, err)
		}
	}
	return nil
}

// Kubeconfig is the path of a user's kubeconfig for the first API server.
func (c *Cluster) Kubeconfig(user string) string {
	return filepath.Join(c.dir, "kubeconfig-"+user)
}

// Users lists the declared users, admin first.
func (c *Cluster) Users() []string {
	return append([]string{AdminUser}, slices.Clone(c.opts.Users)...)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
