package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// OIDCConfig configures single sign-on with an OpenID Connect provider.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// at start-up.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as registered with the
	// provider: https://aftermath.example.com/login/oidc/callback.
	RedirectURL string
	// Scopes default to openid, profile, email and groups.
	Scopes []string
	// RoleClaim is the claim whose values decide the role ("groups").
	RoleClaim string
	// Roles maps a value of the claim to a role; a person gets the highest
	// role any of their values maps to.
	Roles map[string]incident.Role
	// DefaultRole is the role of someone none of whose values map; empty
	// refuses them.
	DefaultRole incident.Role
	// HTTPClient reaches the provider; nil means a client with a timeout.
	HTTPClient *http.Client
}

// OIDC signs people in through an OpenID Connect provider with the
// authorization code flow, PKCE (S256), a state and a nonce.
type OIDC struct {
	cfg      OIDCConfig
	issuer   string
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
	client   *http.Client
}

// Flow is what a sign-in keeps between sending the person to the provider
// and their coming back: it lives in their (pre-login) session.
type Flow struct {
	State, Nonce, Verifier string
}

// Identity is who the provider says signed in.
type Identity struct {
	// Subject is "issuer subject", unique and stable at the provider.
	Subject string
	Name    string
	Role    incident.Role
}

// NewOIDC reads the provider's discovery document.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("single sign-on needs an issuer, a client id and a redirect URL")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email", "groups"}
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "groups"
	}
	if cfg.DefaultRole != "" && !cfg.DefaultRole.Valid() {
		return nil, fmt.Errorf("default role %q is not one of viewer, responder, admin", cfg.DefaultRole)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("single sign-on: %w", err)
	}
	return &OIDC{
		cfg:      cfg,
		issuer:   cfg.Issuer,
		client:   client,
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: cfg.Scopes},
	}, nil
}

// Begin starts a sign-in: the URL to send the person to, and the flow to
// keep until they come back.
func (o *OIDC) Begin() (string, Flow) {
	f := Flow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier()}
	url := o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return url, f
}

// Finish completes a sign-in from the callback's state and code: the state
// must be the flow's, the code is exchanged with the PKCE verifier, the ID
// token's signature, issuer, audience, expiry and nonce are checked, and
// the role claim is mapped to a role.
func (o *OIDC) Finish(ctx context.Context, f Flow, state, code string) (*Identity, error) {
	if f.State == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return nil, unauthorized("The sign-in did not come back as it left (its state differs); start again.")
	}
	ctx = oidc.ClientContext(ctx, o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, unauthorized("The identity provider refused the sign-in.")
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, unauthorized("The identity provider sent no ID token.")
	}
	idToken, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, unauthorized("The identity provider's ID token is not valid.")
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(f.Nonce)) != 1 {
		return nil, unauthorized("The ID token was not made for this sign-in (its nonce differs).")
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		return nil, unauthorized("The ID token's claims cannot be read.")
	}
	id := &Identity{Subject: o.issuer + " " + idToken.Subject, Name: o.nameFrom(claims, idToken.Subject), Role: o.roleFrom(claims)}
	if id.Role == "" {
		return nil, incident.Errorf(incident.EFORBIDDEN, "Your %s give you no role in Aftermath; ask an admin.", o.cfg.RoleClaim)
	}
	return id, nil
}

// nameFrom picks the account name: preferred_username, else email, else
// the subject, normalised to the name rules.
func (o *OIDC) nameFrom(claims map[string]any, subject string) string {
	for _, claim := range []string{"preferred_username", "email"} {
		if v, ok := claims[claim].(string); ok {
			if name := incident.NormalizeUserName(v); incident.ValidateUserName("name", name) == nil {
				return name
			}
		}
	}
	return incident.NormalizeUserName("oidc-" + subject)
}

// roleFrom maps the role claim (a string or a list of strings) to the
// highest role any value gives, else the default.
func (o *OIDC) roleFrom(claims map[string]any) incident.Role {
	var values []string
	switch v := claims[o.cfg.RoleClaim].(type) {
	case string:
		values = strings.Fields(v)
	case []any:
		for _, item := range v {
			if s, ok := item.(string); ok {
				values = append(values, s)
			}
		}
	}
	var best incident.Role
	for _, v := range values {
		if r, ok := o.cfg.Roles[v]; ok && (best == "" || r.AtLeast(best)) {
			best = r
		}
	}
	if best == "" {
		return o.cfg.DefaultRole
	}
	return best
}

// LoginOIDC signs in the person the provider vouched for: their account is
// created on the first sign-in and its role follows the provider's claim
// at every sign-in after. A local account with the same name is never
// taken over: signing in as "admin" at the provider does not make anyone
// Aftermath's admin.
func (a *Accounts) LoginOIDC(ctx context.Context, id *Identity, address string) (*incident.User, error) {
	u, err := a.store.UserByOIDCSubject(ctx, id.Subject)
	switch {
	case incident.ErrorCode(err) == incident.ENOTFOUND:
		u = &incident.User{Name: id.Name, Role: id.Role, Source: incident.SourceOIDC, OIDCSubject: id.Subject}
		system := incident.WithActor(ctx, incident.Actor{Kind: incident.ActorSystem, Name: "oidc", Address: address})
		if err := a.store.CreateUser(system, u); err != nil {
			if incident.ErrorCode(err) == incident.EINVALID {
				return nil, incident.Errorf(incident.EFORBIDDEN,
					"An account named %q exists already and is not yours at the identity provider; ask an admin.", id.Name)
			}
			return nil, err
		}
	case err != nil:
		return nil, err
	case u.Role != id.Role:
		role := id.Role
		system := incident.WithActor(ctx, incident.Actor{Kind: incident.ActorSystem, Name: "oidc", Address: address})
		if u, err = a.UpdateUser(system, u.Name, incident.UserChange{Role: &role}); err != nil {
			return nil, err
		}
	}
	who := incident.WithActor(ctx, incident.Actor{Kind: incident.ActorUser, Name: u.Name, UserID: u.ID, Role: u.Role, Address: address})
	if err := a.store.RecordLogin(who, "login", u.Name, "oidc", loginKeys(u.Name, address)); err != nil {
		return nil, err
	}
	return u, nil
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
