package seed

import (
	"math"
	"slices"
	"strings"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// service is one entry of the synthetic service catalogue.
type service struct {
	name       string
	key        string // incident.ServiceKey(name), precomputed
	team       string
	tag        string   // domain tag added to its incidents
	does       string   // "processes card payments …" (follows the name)
	action     string   // what users could not do during an outage
	components []string // lower-case nouns, used as "the {comp}"
	compSlugs  []string // derived: components as pod name prefixes
	dependsOn  []string // names of catalogue services it calls
	vendors    []string // external providers it calls
	industries []string // industries or business functions relying on it
	dependents []string // derived: industries plus catalogue services calling it
	related    []int    // derived: catalogue indexes of the services it calls and that call it
	// prone is the cause category the service fails by more often than
	// the fleet ("" for none): a database's incidents are more often
	// database problems. proneKind is its index in causeKinds.
	prone     string
	proneKind int
}

// proneChance is the share of a prone service's fresh incidents that have
// its prone category, on top of those that draw it anyway.
const proneChance = 0.2

// catalogue lists the services in popularity order: the first ones get most
// incidents (see serviceWeights).
var catalogue = []service{
	{name: "payments-api", team: "payments-team", tag: "payments",
		does: "processes card payments and refunds for every storefront", action: "pay for their orders",
		components: []string{"charge worker", "refund service", "ledger writer", "card tokenizer", "webhook dispatcher"},
		dependsOn:  []string{"fraud-detection", "ledger", "Orders DB"}, vendors: []string{"the card network gateway", "the payment processor"},
		industries: []string{"merchants", "finance operations"}},
	{name: "Checkout", team: "checkout-team", tag: "checkout",
		does: "runs the cart and checkout flow on web and mobile", action: "complete checkout",
		components: []string{"cart service", "order submission", "promo code engine", "address validation"},
		dependsOn:  []string{"payments-api", "pricing-engine", "inventory-service", "Tax Service", "Shipping Rates"},
		industries: []string{"e-commerce storefronts", "marketing campaigns"}},
	{name: "Auth Service", prone: "security", team: "identity-team", tag: "auth",
		does: "handles login, sessions and token issuance", action: "log in",
		components: []string{"token issuer", "SSO bridge", "MFA verifier", "password reset flow"},
		dependsOn:  []string{"session-store", "user-profile"}, vendors: []string{"the identity provider", "the SMS provider"},
		industries: []string{"partner integrations", "mobile apps"}},
	{name: "search-indexer", team: "search-team", tag: "search",
		does: "keeps the product search index up to date", action: "find recently added products",
		components: []string{"index builder", "change-feed consumer", "query router", "synonym loader"},
		dependsOn:  []string{"Kafka Cluster", "Object Storage"},
		industries: []string{"merchandising"}},
	{name: "CDN Edge", prone: "network", team: "edge-team", tag: "cdn",
		does: "serves static assets and caches pages at the edge", action: "load pages and images",
		components: []string{"edge cache", "TLS terminator", "image optimizer", "origin shield"},
		dependsOn:  []string{"image-service"}, vendors: []string{"the upstream DNS provider", "the CDN provider"},
		industries: []string{"all web traffic", "media publishing"}},
	{name: "Storefront Web", team: "web-team", tag: "web",
		does: "renders the customer-facing web shop", action: "browse the shop",
		components: []string{"SSR renderer", "product page", "navigation service", "session middleware"},
		dependsOn:  []string{"CDN Edge", "search-indexer", "recommendations", "pricing-engine", "user-profile"},
		industries: []string{"retail customers", "marketing campaigns"}},
	{name: "mobile-gateway", team: "mobile-platform", tag: "mobile",
		does: "fronts every API call from the iOS and Android apps", action: "use the mobile apps",
		components: []string{"API gateway", "push token registry", "version gate", "request signer"},
		dependsOn:  []string{"api-gateway", "Auth Service"},
		industries: []string{"mobile apps", "delivery drivers"}},
	{name: "notifications", team: "messaging-team", tag: "notifications",
		does: "sends email, SMS and push notifications", action: "receive order and security notifications",
		components: []string{"email sender", "SMS dispatcher", "push fan-out", "template renderer"},
		dependsOn:  []string{"Email Delivery", "Kafka Cluster"}, vendors: []string{"the SMS provider", "the push notification service"},
		industries: []string{"customer support", "marketing campaigns"}},
	{name: "Orders DB", prone: "database", team: "db-team", tag: "database",
		does: "stores every order and its state transitions", action: "place or view orders",
		components: []string{"primary cluster", "read replicas", "connection proxy", "backup job"},
		dependsOn:  []string{"Object Storage"},
		industries: []string{"order fulfilment", "finance reporting"}},
	{name: "inventory-service", team: "fulfilment-team", tag: "inventory",
		does: "tracks stock levels across warehouses", action: "see accurate stock",
		components: []string{"stock ledger", "reservation API", "warehouse sync"},
		dependsOn:  []string{"Kafka Cluster", "Orders DB"}, vendors: []string{"the warehouse management system"},
		industries: []string{"warehouses", "merchandising"}},
	{name: "Billing", team: "billing-team", tag: "billing",
		does: "runs subscription billing and invoicing", action: "manage their subscriptions",
		components: []string{"invoice generator", "dunning worker", "plan catalogue", "usage aggregator"},
		dependsOn:  []string{"payments-api", "ledger", "Tax Service"},
		industries: []string{"SaaS customers", "finance operations"}},
	{name: "api-gateway", team: "platform-team", tag: "api",
		does: "routes public API traffic to internal services", action: "call the public API",
		components: []string{"router", "rate limiter", "auth filter", "request logger"},
		dependsOn:  []string{"Auth Service", "Internal DNS"},
		industries: []string{"partner integrations", "developers"}},
	{name: "Kafka Cluster", prone: "resource-exhaustion", team: "data-platform", tag: "kafka",
		does: "carries events between services", action: "see real-time updates",
		components: []string{"brokers", "controller quorum", "MirrorMaker replication", "schema registry"},
		industries: []string{"analytics"}},
	{name: "user-profile", team: "identity-team", tag: "profiles",
		does: "stores user profiles and preferences", action: "update their profile",
		components: []string{"profile API", "avatar store", "preferences cache"},
		dependsOn:  []string{"Object Storage"},
		industries: []string{"personalisation"}},
	{name: "recommendations", team: "ml-platform", tag: "ml",
		does: "serves personalised product recommendations", action: "see recommendations",
		components: []string{"model server", "feature store", "candidate generator"},
		dependsOn:  []string{"Kafka Cluster", "user-profile"},
		industries: []string{"email campaigns"}},
	{name: "Shipping Rates", team: "fulfilment-team", tag: "shipping",
		does: "quotes shipping rates and delivery dates", action: "see delivery options",
		components: []string{"carrier adapter", "rate cache", "delivery estimator"},
		dependsOn:  []string{"geo-location"}, vendors: []string{"the carrier rates API"},
		industries: []string{"logistics partners"}},
	{name: "fraud-detection", team: "risk-team", tag: "fraud",
		does: "scores transactions for fraud before capture", action: "complete payments",
		components: []string{"scoring service", "rules engine", "model server", "manual review queue"},
		dependsOn:  []string{"geo-location", "Kafka Cluster"},
		industries: []string{"chargeback operations"}},
	{name: "Data Warehouse", team: "data-platform", tag: "analytics",
		does: "holds analytics data for reporting", action: "see up-to-date reports",
		components: []string{"ingestion jobs", "query engine", "dbt models"},
		dependsOn:  []string{"Kafka Cluster", "Object Storage"},
		industries: []string{"finance reporting", "business intelligence"}},
	{name: "image-service", team: "media-team", tag: "media",
		does: "resizes and serves product images", action: "see product images",
		components: []string{"resizer", "upload API", "thumbnail cache"},
		dependsOn:  []string{"Object Storage"},
		industries: []string{"marketplace sellers"}},
	{name: "Customer Support Portal", team: "support-tools", tag: "support",
		does: "lets agents look up orders and customers", action: "get help from support",
		components: []string{"ticket view", "order lookup", "chat widget"},
		dependsOn:  []string{"Orders DB", "user-profile", "chat-service"},
		industries: []string{"customer support", "BPO partners"}},
	{name: "k8s-prod-eu", team: "platform-team", tag: "kubernetes",
		does: "runs production workloads in Europe", action: "use any EU-hosted service",
		components: []string{"control plane", "ingress controller", "node pools", "cluster DNS"},
		dependsOn:  []string{"Internal DNS"},
		industries: []string{"EU customers"}},
	{name: "feature-flags", team: "platform-team", tag: "feature-flags",
		does: "evaluates feature flags for all services", action: "use newly released features",
		components: []string{"flag evaluator", "SDK relay", "admin UI"},
		industries: []string{"product teams"}},
	{name: "Payouts", team: "payments-team", tag: "payouts",
		does: "pays out marketplace sellers", action: "receive their payouts",
		components: []string{"payout scheduler", "bank file generator", "reconciliation job"},
		dependsOn:  []string{"ledger"}, vendors: []string{"the banking partner API"},
		industries: []string{"marketplace sellers", "finance operations"}},
	{name: "session-store", team: "identity-team", tag: "sessions",
		does: "holds web and mobile sessions", action: "stay logged in",
		components: []string{"Redis cluster", "session API", "eviction policy"},
		industries: []string{"retail customers"}},
	{name: "Email Delivery", team: "messaging-team", tag: "email",
		does: "sends transactional email through our mail providers", action: "receive emails",
		components: []string{"SMTP relay", "bounce processor", "suppression list"},
		vendors:    []string{"the email provider"},
		industries: []string{"marketing"}},
	{name: "pricing-engine", team: "pricing-team", tag: "pricing",
		does: "computes prices, discounts and taxes", action: "see correct prices",
		components: []string{"price calculator", "discount rules", "currency converter"},
		dependsOn:  []string{"coupon-service", "Tax Service"}, vendors: []string{"the exchange-rate feed"},
		industries: []string{"merchandising"}},
	{name: "Reporting API", team: "analytics-team", tag: "reporting",
		does: "serves sales dashboards to merchants", action: "view their sales reports",
		components: []string{"report builder", "export worker", "query cache"},
		dependsOn:  []string{"Data Warehouse"},
		industries: []string{"merchants", "account managers"}},
	{name: "geo-location", team: "platform-team", tag: "geo",
		does: "resolves addresses and IP locations", action: "get local results",
		components: []string{"geocoder", "IP database", "address cache"},
		vendors:    []string{"the maps API"},
		industries: []string{"local delivery"}},
	{name: "CI Pipeline", prone: "automation", team: "dev-productivity", tag: "ci",
		does: "builds, tests and deploys every service", action: "ship changes",
		components: []string{"build runners", "artifact cache", "deploy orchestrator"},
		dependsOn:  []string{"Object Storage", "k8s-prod-eu"},
		industries: []string{"engineering teams"}},
	{name: "loyalty-points", team: "growth-team", tag: "loyalty",
		does: "tracks loyalty points and rewards", action: "redeem their points",
		components: []string{"points ledger", "rewards catalogue", "expiry job"},
		dependsOn:  []string{"Kafka Cluster", "user-profile"},
		industries: []string{"marketing campaigns"}},
	{name: "Object Storage", team: "infrastructure-team", tag: "storage",
		does: "stores files, backups and media", action: "upload or download files",
		components: []string{"storage gateway", "metadata service", "replication worker"},
		industries: []string{"backups"}},
	{name: "chat-service", team: "messaging-team", tag: "chat",
		does: "powers in-app chat between buyers and sellers", action: "send messages",
		components: []string{"websocket gateway", "message store", "presence service"},
		dependsOn:  []string{"session-store", "notifications"},
		industries: []string{"marketplace sellers"}},
	{name: "Tax Service", team: "finance-eng", tag: "tax",
		does: "calculates sales tax and VAT", action: "complete checkout with correct tax",
		components: []string{"rate tables", "jurisdiction lookup", "filing export"},
		dependsOn:  []string{"geo-location"}, vendors: []string{"the tax-rate provider"},
		industries: []string{"finance operations"}},
	{name: "webhooks", team: "platform-team", tag: "webhooks",
		does: "delivers event webhooks to partners", action: "receive event callbacks",
		components: []string{"delivery worker", "retry queue", "signature service"},
		dependsOn:  []string{"Kafka Cluster"},
		industries: []string{"partner integrations", "developers"}},
	{name: "Internal DNS", prone: "network", team: "network-team", tag: "dns",
		does: "resolves internal service names", action: "reach internal services",
		components: []string{"resolvers", "zone sync", "service discovery"},
		industries: []string{"every internal service"}},
	{name: "video-transcoder", team: "media-team", tag: "video",
		does: "transcodes seller videos", action: "watch product videos",
		components: []string{"transcode workers", "job queue", "packager"},
		dependsOn:  []string{"Object Storage"},
		industries: []string{"marketplace sellers"}},
	{name: "Admin Console", team: "internal-tools", tag: "admin",
		does: "lets staff manage the catalogue and accounts", action: "manage the catalogue",
		components: []string{"catalogue editor", "account admin", "audit log"},
		dependsOn:  []string{"Auth Service", "user-profile"},
		industries: []string{"merchandising", "customer support"}},
	{name: "ledger", team: "finance-eng", tag: "ledger",
		does: "records every money movement as double-entry journal lines", action: "see correct balances",
		components: []string{"journal writer", "balance projector", "month-end close"},
		industries: []string{"finance reporting", "auditors"}},
	{name: "Metrics Pipeline", team: "observability", tag: "observability",
		does: "collects metrics and evaluates alerts", action: "see dashboards and receive alerts",
		components: []string{"collectors", "time-series store", "alert evaluator"},
		dependsOn:  []string{"Kafka Cluster"},
		industries: []string{"on-call engineers"}},
	{name: "coupon-service", team: "growth-team", tag: "coupons",
		does: "issues and validates coupons", action: "apply coupons",
		components: []string{"code generator", "validation API", "campaign importer"},
		industries: []string{"marketing campaigns"}},
}

// zipfExponent skews incidents towards the first services of the catalogue:
// with 1.0 the top five services get about half of all incidents.
const zipfExponent = 1.0

var (
	serviceWeights weights
	serviceIndex   = map[string]int{}
)

func init() {
	w := make([]float64, len(catalogue))
	for i := range catalogue {
		catalogue[i].key = incident.ServiceKey(catalogue[i].name)
		serviceIndex[catalogue[i].name] = i
		w[i] = 1 / math.Pow(float64(i+1), zipfExponent)
	}
	serviceWeights = newWeights(w...)
	for i := range catalogue {
		s := &catalogue[i]
		s.proneKind = -1
		for k, kind := range causeKinds {
			if kind.slug == s.prone && s.prone != "" {
				s.proneKind = k
			}
		}
		if s.prone != "" && s.proneKind < 0 {
			panic("seed: " + s.name + " is prone to unknown category " + s.prone)
		}
		for _, c := range s.components {
			s.compSlugs = append(s.compSlugs, strings.ReplaceAll(strings.ToLower(c), " ", "-"))
		}
		s.dependents = append(s.dependents, s.industries...)
		for _, up := range s.dependsOn {
			j, ok := serviceIndex[up]
			if !ok {
				panic("seed: " + s.name + " depends on unknown service " + up)
			}
			u := &catalogue[j]
			u.dependents = append(u.dependents, s.name)
			s.related = append(s.related, j)
			u.related = append(u.related, i)
		}
	}
}

// combine joins every head with every tail: "pool" and "max_idle" give
// "pool.max_idle"; an empty tail gives the head alone.
func combine(sep string, heads, tails []string) []string {
	out := make([]string, 0, len(heads)*len(tails))
	for _, h := range heads {
		for _, t := range tails {
			switch {
			case t == "":
				out = append(out, h)
			case sep == "" || strings.HasPrefix(t, "/") || strings.HasPrefix(t, "_"):
				out = append(out, h+t)
			default:
				out = append(out, h+sep+t)
			}
		}
	}
	return out
}

// Services returns the synthetic service catalogue as domain services, with
// the keys of the services each depends on and the industries relying on it,
// so a seed command can register them alongside the incidents.
func Services() []incident.Service {
	out := make([]incident.Service, len(catalogue))
	for i, s := range catalogue {
		deps := make([]string, len(s.dependsOn))
		for j, d := range s.dependsOn {
			deps[j] = catalogue[serviceIndex[d]].key
		}
		out[i] = incident.Service{
			Key: s.key, Name: s.name,
			DependsOn:  deps,
			Industries: slices.Clone(s.industries),
		}
	}
	return out
}

// Shared pools for slot values.
var (
	regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1", "ca-central-1"}

	genericVendors = []string{"the upstream DNS provider", "the cloud object store", "the identity provider", "the SMS provider", "the email provider", "the managed Redis service"}

	// The identifiers a post-mortem quotes: config keys, tables, queues,
	// API routes and jobs. A real system has hundreds of each, so they are
	// built from parts; with a few dozen, unrelated incidents would often
	// quote the same ones by chance.
	configKeys = combine(".",
		[]string{"http", "grpc", "db", "cache", "retry", "pool", "queue", "worker", "lb", "dns", "tls", "auth",
			"rate_limit", "circuit_breaker", "autoscaler", "session", "upload", "webhook", "search", "outbox",
			"replica", "consumer", "producer", "scheduler", "gateway"},
		[]string{"timeout_ms", "max_connections", "max_idle", "max_attempts", "burst", "ttl_seconds", "batch_size",
			"concurrency", "threshold", "prefetch", "backoff_ms", "min_idle", "drain_seconds", "max_body_bytes", "buffer_size",
			"max_inflight", "keepalive_ms", "window_seconds", "max_retries", "queue_depth"})
	featureFlags = combine("-",
		[]string{"new", "async", "fast", "smart", "shadow", "lazy", "bulk", "regional", "streaming", "instant", "adaptive", "split"},
		[]string{"pricing", "checkout", "login", "search", "refunds", "payouts", "invoices", "captures", "stock", "sessions",
			"images", "writes", "retries", "routing", "export", "tax", "carts", "coupons", "ledger", "webhooks", "reads", "sync"})
	tables = combine("",
		[]string{"orders", "sessions", "ledger_entries", "payments", "users", "inventory_items", "invoices",
			"events", "carts", "payouts", "audit_log", "subscriptions", "coupons", "shipments", "search_documents",
			"refunds", "order_lines", "price_rules", "tax_rates", "webhook_attempts", "api_keys", "devices",
			"notifications", "chat_messages", "product_images", "warehouses", "stock_moves", "fx_rates",
			"loyalty_accounts", "feature_snapshots", "disputes", "settlements", "addresses", "outbox", "job_runs", "customers"},
		[]string{"", "_archive", "_history", "_pending", "_daily", "_v2", "_by_day", "_index", "_log", "_shadow"})
	queues = combine(".",
		[]string{"orders", "payments", "email", "index", "webhook", "inventory", "refunds", "payouts", "push",
			"audit", "carts", "invoices", "sessions", "prices", "shipments", "fraud", "ledger", "users", "images", "chat"},
		[]string{"created", "updated", "captured", "failed", "requested", "scheduled", "delivered", "expired",
			"retried", "cancelled", "settled", "deleted"})
	endpoints = combine("",
		[]string{"/v1/charges", "/v1/refunds", "/v2/orders", "/checkout", "/v1/cart", "/v1/sessions", "/oauth",
			"/v1/search", "/v1/products", "/v1/prices", "/v1/stock", "/v1/invoices", "/v1/subscriptions", "/v1/payouts",
			"/v1/webhooks", "/v1/users", "/v1/addresses", "/v1/shipping", "/v1/tax", "/v1/coupons",
			"/v1/recommendations", "/v1/images", "/v1/chat", "/v1/reports", "/v1/ledger", "/v1/fraud",
			"/v1/exports", "/v1/notifications", "/v1/disputes", "/v1/loyalty", "/v1/uploads", "/v1/geo",
			"/v1/settlements", "/v1/devices", "/v1/catalogue"},
		[]string{"", "/:id", "/search", "/batch", "/quote", "/validate", "/:id/cancel", "/export", "/:id/items", "/bulk"})
	jobs = combine("-",
		[]string{"invoice", "payout", "stock", "session", "log", "backup", "price", "fx-rate", "dunning", "cache",
			"orphan", "gdpr", "report", "image", "tax-table", "coupon", "loyalty", "metrics", "partition",
			"certificate", "key", "shipment", "search", "ledger"},
		[]string{"sync", "cleanup", "rollup", "reindex", "export", "import", "expiry", "backfill", "replay", "audit", "compaction", "snapshot"})

	// Teams that own cross-cutting follow-ups, besides each service's team.
	teamSRE           = "sre"
	teamObservability = "observability"
	teamQA            = "qa"
)
