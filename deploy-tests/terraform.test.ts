// terraform/: formatted as `terraform fmt` writes it, and its HCL (parsed by @cdktf/hcl2json)
// says what matters: encryption on, no public database, IRSA trust scoped to the overlay's
// ServiceAccounts, versions pinned exactly, and the outputs terraform/README.md routes.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" is HCL's interpolation, as hcl2json gives it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { type K8sObject, parseYamlDocuments, REPO, readYamlFile, repoPath } from "./render.ts";
import {
  type Body,
  block,
  type Hcl,
  loadTerraform,
  locals,
  moduleCall,
  references,
  resource,
  resources,
  TERRAFORM,
} from "./terraform-hcl.ts";

const folders = await loadTerraform();

function folder(name: string): Hcl {
  const hcl = folders.get(name);
  if (!hcl) throw new Error(`terraform/${name} has no .tf files`);
  return hcl;
}

const EXACT = /^\d+\.\d+\.\d+$/;
const root = folder("envs/production");

const HAS_TERRAFORM = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
if (!HAS_TERRAFORM) process.stderr.write("terraform fmt: skipped, terraform is not installed\n");

describe("terraform/ formatting", () => {
  it.skipIf(!HAS_TERRAFORM)(
    `passes terraform fmt -check -recursive${HAS_TERRAFORM ? "" : " (skipped: terraform is not installed)"}`,
    () => {
      const fmt = spawnSync("terraform", ["fmt", "-check", "-recursive", "terraform"], {
        cwd: REPO,
        encoding: "utf8",
      });
      // fmt -check lists the files it would rewrite.
      expect(fmt.stdout.trim(), "files terraform fmt would rewrite").toBe("");
      expect(fmt.status).toBe(0);
    },
  );

  it("has the modules and the one environment the README describes", () => {
    expect([...folders.keys()].sort()).toEqual([
      "envs/production",
      "modules/ecr",
      "modules/eks",
      "modules/elasticache",
      "modules/irsa",
      "modules/knative",
      "modules/msk",
      "modules/rds",
      "modules/vpc",
    ]);
  });
});

const ARGUMENTS_OF_EVERY_MODULE = new Set(["source", "version", "depends_on", "providers"]);

describe("references (what terraform validate would check, short of the providers)", () => {
  it.each([...folders.keys()])(
    "%s: every var. and local. it reads is declared, every variable read",
    (name) => {
      const hcl = folder(name);
      const declared = new Set(Object.keys(hcl.variable));
      const read = new Set(references(hcl, /\bvar\.([a-z0-9_]+)/g).map(([v]) => v));
      expect(
        [...read].filter((v) => !declared.has(v)),
        "undeclared variables",
      ).toEqual([]);
      expect(
        [...declared].filter((v) => !read.has(v)),
        "variables never read",
      ).toEqual([]);
      const local = new Set(Object.keys(locals(hcl)));
      const readLocals = references(hcl, /\blocal\.([a-z0-9_]+)/g).map(([l]) => l);
      expect(
        readLocals.filter((l) => !local.has(l)),
        "undeclared locals",
      ).toEqual([]);
    },
  );

  it.each([...folders.keys()])(
    "%s: every resource and data source it reads is declared",
    (name) => {
      const hcl = folder(name);
      const text = JSON.stringify(hcl);
      const data = [...text.matchAll(/\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)/g)];
      for (const [ref, type, id] of data) expect(hcl.data[type]?.[id], ref).toBeDefined();
      const ephemeral = [...text.matchAll(/\bephemeral\.([a-z0-9_]+)\.([a-z0-9_]+)/g)];
      for (const [ref, type, id] of ephemeral) expect(hcl.ephemeral[type]?.[id], ref).toBeDefined();
      const withoutData = text.replace(/\b(?:data|ephemeral)\.[a-z0-9_]+\.[a-z0-9_]+/g, "");
      const resourceRefs = withoutData.matchAll(
        /\b((?:aws|random|helm)_[a-z0-9_]+)\.([a-z0-9_]+)\b/g,
      );
      for (const [ref, type, id] of resourceRefs)
        expect(hcl.resource[type]?.[id], ref).toBeDefined();
    },
  );

  it.each([...folders.keys()])(
    "%s: calls each local module with its variables and reads only its outputs",
    (name) => {
      const hcl = folder(name);
      for (const [call, bodies] of Object.entries(hcl.module)) {
        const { source } = bodies[0];
        if (!source.startsWith(".")) continue;
        const called = folder(relative(TERRAFORM, join(TERRAFORM, name, source)));
        const passed = Object.keys(bodies[0]).filter((a) => !ARGUMENTS_OF_EVERY_MODULE.has(a));
        const variables = Object.keys(called.variable);
        expect(
          passed.filter((a) => !variables.includes(a)),
          `module ${call}: unknown arguments`,
        ).toEqual([]);
        const required = variables.filter((v) => !("default" in called.variable[v][0]));
        expect(
          required.filter((v) => !passed.includes(v)),
          `module ${call}: missing`,
        ).toEqual([]);
        const outputs = references(hcl, new RegExp(`\\bmodule\\.${call}\\.([a-z0-9_]+)`, "g"));
        for (const [output] of outputs)
          expect(called.output[output], `module.${call}.${output}`).toBeDefined();
      }
    },
  );
});

describe("versions", () => {
  const settings = root.terraform[0];
  const pinned = settings.required_providers[0] as Record<
    string,
    { source: string; version?: string }
  >;

  it("requires Terraform ~> 1.11 in the environment", () => {
    expect(settings.required_version).toBe("~> 1.11");
  });

  it("pins every provider of the environment to one exact version", () => {
    expect(Object.keys(pinned).length).toBeGreaterThan(0);
    for (const [name, provider] of Object.entries(pinned)) {
      expect(provider.version, name).toMatch(EXACT);
      expect(provider.source, name).toBe(`hashicorp/${name}`);
    }
  });

  it("pins the providers of every local module and of terraform-aws-modules/eks 21", () => {
    // eks 21.x requires aws, tls and time, and its node groups' user data cloudinit and null.
    const needed = new Set(["aws", "tls", "time", "cloudinit", "null"]);
    for (const [name, hcl] of folders) {
      if (!name.startsWith("modules/")) continue;
      for (const provider of Object.keys(hcl.terraform[0]?.required_providers?.[0] ?? {})) {
        needed.add(provider);
      }
    }
    expect(Object.keys(pinned).sort()).toEqual([...needed].sort());
  });

  it("leaves versions to the environment: the local modules declare sources only", () => {
    for (const [name, hcl] of folders) {
      if (!name.startsWith("modules/")) continue;
      const providers = hcl.terraform[0]?.required_providers?.[0] ?? {};
      expect(Object.keys(providers).length, `${name} declares its providers`).toBeGreaterThan(0);
      for (const [provider, spec] of Object.entries(providers) as [string, Body][]) {
        expect(spec.source, `${name}: ${provider}`).toBe(`hashicorp/${provider}`);
        expect(spec.version, `${name}: ${provider} has a version of its own`).toBeUndefined();
      }
    }
  });

  it("pins every registry module exactly, and gives local modules no version", () => {
    const registry: string[] = [];
    for (const [name, hcl] of folders) {
      for (const [call, bodies] of Object.entries(hcl.module)) {
        const { source, version } = bodies[0];
        if (source.startsWith("./") || source.startsWith("../")) {
          expect(version, `${name}: module ${call}`).toBeUndefined();
          expect(existsSync(join(TERRAFORM, name, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(version, `${name}: module ${call} (${source})`).toMatch(EXACT);
          registry.push(`${source}@${version}`);
        }
      }
    }
    expect(registry.sort()).toEqual([
      "terraform-aws-modules/eks/aws@21.19.0",
      "terraform-aws-modules/vpc/aws@6.6.0",
    ]);
  });

  it("installs Knative 1.21 from exact versions: the Operator's chart, Serving, Eventing, Kafka", () => {
    const knative = locals(folder("modules/knative"));
    for (const key of ["operator_version", "serving_version", "eventing_version"]) {
      expect(knative[key], key).toMatch(/^1\.21\.\d+$/);
    }
    expect(knative.kafka_broker_version).toMatch(/^1\.21\.\d+$/);
    expect(knative.operator_chart).toContain("knative-v${local.operator_version}/");
    expect(knative.operator_chart).toMatch(/knative-operator-v\$\{local\.operator_version\}\.tgz$/);
    expect(knative.kafka_release).toMatch(/knative-v\$\{local\.kafka_broker_version\}$/);
    expect(knative.knative_serving.spec.version).toBe("${local.serving_version}");
    expect(knative.knative_eventing.spec.version).toBe("${local.eventing_version}");
    const operator = resource(folder("modules/knative"), "helm_release", "operator");
    expect(operator.chart).toBe("${local.operator_chart}");
  });
});

describe("RDS Postgres", () => {
  const rds = folder("modules/rds");
  const db = resource(rds, "aws_db_instance", "this");

  it("is encrypted with its own rotating KMS key", () => {
    expect(db.storage_encrypted).toBe(true);
    expect(db.kms_key_id).toBe("${aws_kms_key.this.arn}");
    expect(resource(rds, "aws_kms_key", "this").enable_key_rotation).toBe(true);
  });

  it("is not publicly accessible and sits in the database subnets", () => {
    expect(db.publicly_accessible).toBe(false);
    expect(db.db_subnet_group_name).toBe("${var.db_subnet_group_name}");
    const call = moduleCall(root, "rds");
    expect(call.db_subnet_group_name).toBe("${module.vpc.database_subnet_group_name}");
    const vpc = moduleCall(folder("modules/vpc"), "vpc");
    expect(vpc.create_database_internet_gateway_route).toBe(false);
    expect(vpc.create_database_nat_gateway_route).toBe(false);
  });

  it("admits only the EKS nodes' security group, on 5432", () => {
    expect(db.vpc_security_group_ids).toEqual(["${aws_security_group.this.id}"]);
    const rules = resources(rds, "aws_vpc_security_group_ingress_rule");
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      security_group_id: "${aws_security_group.this.id}",
      referenced_security_group_id: "${var.client_security_group_id}",
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
    });
    for (const open of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) {
      expect(rules[0][open], open).toBeUndefined();
    }
    const group = resource(rds, "aws_security_group", "this");
    expect(group.ingress, "inline ingress rules").toBeUndefined();
    expect(group.egress, "inline egress rules").toBeUndefined();
    expect(resources(rds, "aws_vpc_security_group_egress_rule")).toEqual([]);
    expect(moduleCall(root, "rds").client_security_group_id).toBe(
      "${module.eks.node_security_group_id}",
    );
  });

  it("keeps its password in Secrets Manager, managed by RDS, never in Terraform", () => {
    expect(db.manage_master_user_password).toBe(true);
    expect(db.master_user_secret_kms_key_id).toBe("${aws_kms_key.this.arn}");
    for (const password of ["password", "password_wo"]) {
      expect(db[password], password).toBeUndefined();
    }
  });

  it("has deletion protection, a final snapshot and backups", () => {
    expect(db.deletion_protection).toBe(true);
    expect(db.skip_final_snapshot).toBe(false);
    const days = rds.variable.backup_retention_days[0].default;
    expect(db.backup_retention_period).toBe("${var.backup_retention_days}");
    expect(days).toBeGreaterThanOrEqual(7);
  });

  it("requires TLS, names its CA, and makes IAM authentication optional (off by default)", () => {
    const parameters = resource(rds, "aws_db_parameter_group", "this").parameter as Body[];
    expect(parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
    expect(db.parameter_group_name).toBe("${aws_db_parameter_group.this.name}");
    expect(db.ca_cert_identifier).toBe("${var.ca_cert_identifier}");
    expect(rds.variable.ca_cert_identifier[0].default).toMatch(/^rds-ca-/);
    expect(db.iam_database_authentication_enabled).toBe("${var.iam_database_authentication}");
    expect(root.variable.rds_iam_database_authentication[0].default).toBe(false);
  });
});

describe("ElastiCache Redis", () => {
  const cache = folder("modules/elasticache");
  const group = resource(cache, "aws_elasticache_replication_group", "this");

  it("encrypts at rest (own key) and in transit, TLS required, with an AUTH token", () => {
    expect(group.at_rest_encryption_enabled).toBe(true);
    expect(group.kms_key_id).toBe("${aws_kms_key.this.arn}");
    expect(group.transit_encryption_enabled).toBe(true);
    expect(group.transit_encryption_mode).toBe("required");
    expect(group.auth_token).toBe("${random_password.auth_token.result}");
    const token = resource(cache, "random_password", "auth_token");
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(token.length).toBeLessThanOrEqual(128);
    // ElastiCache refuses @, " and / in a token; none of them may reach REDIS_URL either.
    expect(token.special).toBe(false);
  });

  it("fails over to a replica in another zone", () => {
    expect(group.automatic_failover_enabled).toBe(true);
    expect(group.multi_az_enabled).toBe(true);
    expect(cache.variable.num_cache_clusters[0].default).toBeGreaterThanOrEqual(2);
  });

  it("admits only the EKS nodes' security group, on 6379", () => {
    expect(group.security_group_ids).toEqual(["${aws_security_group.this.id}"]);
    const rules = resources(cache, "aws_vpc_security_group_ingress_rule");
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      referenced_security_group_id: "${var.client_security_group_id}",
      from_port: 6379,
      to_port: 6379,
    });
    expect(rules[0].cidr_ipv4).toBeUndefined();
    expect(moduleCall(root, "elasticache").client_security_group_id).toBe(
      "${module.eks.node_security_group_id}",
    );
    expect(moduleCall(root, "elasticache").subnet_group_name).toBe(
      "${module.vpc.elasticache_subnet_group_name}",
    );
  });

  it("stores REDIS_URL as rediss:// with the token, in a KMS-encrypted secret", () => {
    const version = resource(cache, "aws_secretsmanager_secret_version", "redis_url");
    expect(version.secret_string).toMatch(
      /^rediss:\/\/:\$\{random_password\.auth_token\.result\}@/,
    );
    expect(resource(cache, "aws_secretsmanager_secret", "redis_url").kms_key_id).toBe(
      "${aws_kms_key.this.arn}",
    );
  });
});

describe("MSK", () => {
  const msk = folder("modules/msk");
  const cluster = resource(msk, "aws_msk_cluster", "this");

  it("encrypts in transit (TLS to clients and between brokers) and at rest with its own key", () => {
    const encryption = block(cluster, "encryption_info");
    expect(block(encryption, "encryption_in_transit")).toEqual({
      client_broker: "TLS",
      in_cluster: true,
    });
    expect(encryption.encryption_at_rest_kms_key_arn).toBe("${aws_kms_key.this.arn}");
  });

  it("has no public access and admits only the EKS nodes, on the SASL/SCRAM listener alone", () => {
    const brokers = block(cluster, "broker_node_group_info");
    expect(block(block(brokers, "connectivity_info"), "public_access").type).toBe("DISABLED");
    expect(brokers.security_groups).toEqual(["${aws_security_group.this.id}"]);
    const rules = resources(msk, "aws_vpc_security_group_ingress_rule");
    // 9096 is MSK's SASL/SCRAM listener; 9092 (plaintext) and 9094 (TLS without a password)
    // must stay closed.
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      security_group_id: "${aws_security_group.this.id}",
      referenced_security_group_id: "${var.client_security_group_id}",
      ip_protocol: "tcp",
      from_port: 9096,
      to_port: 9096,
    });
    for (const open of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) {
      expect(rules[0][open], open).toBeUndefined();
    }
    const group = resource(msk, "aws_security_group", "this");
    expect(group.ingress, "inline ingress rules").toBeUndefined();
    expect(moduleCall(root, "msk").client_security_group_id).toBe(
      "${module.eks.node_security_group_id}",
    );
    expect(moduleCall(root, "msk").subnet_ids).toBe("${module.vpc.intra_subnet_ids}");
  });

  it("accepts SASL/SCRAM clients only: unauthenticated access off, no IAM, no mTLS", () => {
    const auth = block(cluster, "client_authentication");
    expect(auth.unauthenticated).toBe(false);
    expect(block(auth, "sasl")).toEqual({ scram: true, iam: false });
    expect(auth.tls, "mTLS (needs AWS Private CA)").toBeUndefined();
  });

  it("keeps the SCRAM user in an AmazonMSK_ secret under the module's own KMS key", () => {
    const secret = resource(msk, "aws_secretsmanager_secret", "scram");
    // MSK associates only secrets named AmazonMSK_* and encrypted with a customer-managed key.
    expect(secret.name).toMatch(/^AmazonMSK_/);
    expect(secret.kms_key_id).toBe("${aws_kms_key.this.arn}");
    expect(resource(msk, "aws_kms_key", "this").enable_key_rotation).toBe(true);
    expect(msk.variable.scram_username[0].default).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it("writes the SCRAM password write-only, from an ephemeral password: never in plan or state", () => {
    const version = resource(msk, "aws_secretsmanager_secret_version", "scram");
    expect(version.secret_id).toBe("${aws_secretsmanager_secret.scram.id}");
    expect(version.secret_string, "secret_string is stored in state").toBeUndefined();
    expect(version.secret_binary, "secret_binary is stored in state").toBeUndefined();
    expect(version.secret_string_wo).toContain("ephemeral.random_password.scram.result");
    expect(version.secret_string_wo).toMatch(/username\s*=\s*var\.scram_username/);
    expect(version.secret_string_wo_version).toBe("${var.scram_password_version}");
    expect(
      msk.resource.random_password,
      "a random_password resource keeps its result in state",
    ).toBeUndefined();
    const password = resource(msk, "random_password", "scram", "ephemeral");
    expect(password.length).toBeGreaterThanOrEqual(32);
    // The data plane writes it into a JAAS line, password="...", without escaping quotes.
    expect(password.special).toBe(false);
  });

  it("associates that secret with the cluster, with the policy MSK attaches declared", () => {
    const association = resource(msk, "aws_msk_scram_secret_association", "this");
    expect(association.cluster_arn).toBe("${aws_msk_cluster.this.arn}");
    expect(association.secret_arn_list).toEqual(["${aws_secretsmanager_secret.scram.arn}"]);
    expect(association.depends_on).toContain("${aws_secretsmanager_secret_version.scram}");
    const policy = resource(msk, "aws_secretsmanager_secret_policy", "scram");
    expect(policy.secret_arn).toBe("${aws_secretsmanager_secret.scram.arn}");
    expect(policy.policy).toBe("${data.aws_iam_policy_document.scram.json}");
    const document = resource(msk, "aws_iam_policy_document", "scram", "data");
    expect(document.statement).toHaveLength(1);
    expect(document.statement[0]).toMatchObject({
      effect: "Allow",
      actions: ["secretsmanager:getSecretValue"],
      resources: ["${aws_secretsmanager_secret.scram.arn}"],
      principals: [{ type: "Service", identifiers: ["kafka.amazonaws.com"] }],
    });
  });

  it("keeps three replicas and acknowledges a write once two have it", () => {
    const properties = resource(msk, "aws_msk_configuration", "this").server_properties as string;
    expect(properties).toMatch(/^\s*default\.replication\.factor = 3$/m);
    expect(properties).toMatch(/^\s*min\.insync\.replicas = 2$/m);
    expect(properties).toMatch(/^\s*unclean\.leader\.election\.enable = false$/m);
  });
});

describe("ECR", () => {
  const ecr = folder("modules/ecr");
  const repository = resource(ecr, "aws_ecr_repository", "this");

  it("has immutable tags, scans every push and encrypts with KMS", () => {
    expect(repository.image_tag_mutability).toBe("IMMUTABLE");
    expect(block(repository, "image_scanning_configuration").scan_on_push).toBe(true);
    expect(block(repository, "encryption_configuration").encryption_type).toBe("KMS");
  });

  it("creates the repositories skaffold's eks profile pushes to with an ECR --default-repo", () => {
    // skaffold keeps an image's path only for GCR and Artifact Registry; for other registries
    // it replaces / . : @ with _ (its default-repo rewriting).
    const skaffold = readYamlFile("skaffold.yaml") as {
      profiles: { name: string; patches?: { path: string; value?: unknown }[] }[];
    };
    const eks = skaffold.profiles.find((p) => p.name === "eks");
    const images = (eks?.patches ?? [])
      .filter((p) => /^\/build\/artifacts\/\d+\/image$/.test(p.path))
      .map((p) => String(p.value));
    expect(images.length).toBeGreaterThan(0);
    const expected = images.map((image) => image.replace(/[/._:@]/g, "_")).sort();
    expect([...locals(root).ecr_repositories].sort()).toEqual(expected);
    expect(moduleCall(root, "ecr").repositories).toBe("${local.ecr_repositories}");
  });
});

describe("EKS", () => {
  const eks = moduleCall(folder("modules/eks"), "eks");

  it("keeps the private endpoint on and the public one to the listed CIDRs, never 0.0.0.0/0", () => {
    expect(eks.endpoint_private_access).toBe(true);
    expect(eks.endpoint_public_access_cidrs).toBe("${var.public_access_cidrs}");
    const cidrs = root.variable.cluster_endpoint_public_access_cidrs[0];
    expect(cidrs.default, "a default would open the API to whoever forgets it").toBeUndefined();
    expect(cidrs.validation[0].condition).toContain('"0.0.0.0/0"');
    expect(moduleCall(root, "eks").public_access_cidrs).toBe(
      "${var.cluster_endpoint_public_access_cidrs}",
    );
  });

  it("encrypts Secrets with KMS, runs IRSA's OIDC provider and enforces NetworkPolicy", () => {
    expect(eks.encryption_config).toEqual({ resources: ["secrets"] });
    expect(eks.enable_irsa).toBe(true);
    const cni = eks.addons["vpc-cni"];
    expect(cni.before_compute).toBe(true);
    expect(cni.configuration_values).toMatch(/enableNetworkPolicy\s*=\s*"true"/);
    expect(moduleCall(root, "eks").subnet_ids).toBe("${module.vpc.private_subnet_ids}");
  });
});

describe("IRSA", () => {
  const irsa = folder("modules/irsa");
  const overlay = parseYamlDocuments(
    readFileSync(repoPath("knative/overlays/eks/service-accounts-irsa.yaml"), "utf8"),
  ) as K8sObject[];
  const kustomization = readYamlFile("knative/overlays/eks/kustomization.yaml") as {
    namespace: string;
  };

  it("makes one role per ServiceAccount of service-accounts-irsa.yaml, named as its ARN says", () => {
    const fromOverlay = overlay.map((sa) => {
      const arn = sa.metadata.annotations?.["eks.amazonaws.com/role-arn"] ?? "";
      const role = /^arn:aws:iam::\d{12}:role\/(.+)$/.exec(arn)?.[1];
      expect(role, `${sa.metadata.name}: ${arn}`).toBeDefined();
      return { account: sa.metadata.name, role };
    });
    expect(fromOverlay.length).toBeGreaterThan(0);
    // The module names each role as its account; so the overlay's role names must be theirs.
    for (const { account, role } of fromOverlay) expect(role, account).toBe(account);
    expect([...locals(root).irsa_service_accounts].sort()).toEqual(
      fromOverlay.map((o) => o.account).sort(),
    );
    const call = moduleCall(root, "irsa");
    expect(call.service_accounts).toBe("${local.irsa_service_accounts}");
    const role = resource(irsa, "aws_iam_role", "this");
    expect(role.for_each).toBe("${var.service_accounts}");
    expect(role.name).toBe("${each.key}");
  });

  it("lets only that account of the overlay's namespace assume its role (sub and aud)", () => {
    expect(locals(root).namespace).toBe(kustomization.namespace);
    expect(moduleCall(root, "irsa").namespace).toBe("${local.namespace}");
    const trust = resource(irsa, "aws_iam_policy_document", "trust", "data");
    expect(trust.for_each).toBe("${var.service_accounts}");
    expect(trust.statement).toHaveLength(1);
    const statement = trust.statement[0] as Body;
    expect(statement.effect).toBe("Allow");
    expect(statement.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(statement.principals).toEqual([
      { type: "Federated", identifiers: ["${var.oidc_provider_arn}"] },
    ]);
    const conditions = [...(statement.condition as Body[])].sort((a, b) =>
      a.variable.localeCompare(b.variable),
    );
    expect(conditions).toEqual([
      {
        test: "StringEquals",
        variable: "${var.oidc_provider}:aud",
        values: ["sts.amazonaws.com"],
      },
      {
        test: "StringEquals",
        variable: "${var.oidc_provider}:sub",
        values: ["system:serviceaccount:${var.namespace}:${each.key}"],
      },
    ]);
    expect(resource(irsa, "aws_iam_role", "this").assume_role_policy).toBe(
      "${data.aws_iam_policy_document.trust[each.key].json}",
    );
    expect(moduleCall(root, "irsa").oidc_provider_arn).toBe("${module.eks.oidc_provider_arn}");
  });
});

describe("Knative", () => {
  const knative = folder("modules/knative");
  const values = locals(knative);
  const brokerKafka = readYamlFile("knative/overlays/eks/broker-kafka.yaml") as {
    spec: { config: { kind: string; name: string; namespace: string } };
  };

  it("turns on kubernetes.podspec-fieldref, which the functions' JOB_NAMESPACE needs", () => {
    expect(values.knative_serving.kind).toBe("KnativeServing");
    const features = values.knative_serving.spec.config.features;
    expect(features["kubernetes.podspec-fieldref"]).toBe("enabled");
    // Every flag the cluster patch for kind and skaffold's hook sets, the Operator sets too.
    const patch = "knative/cluster/serving-features.yaml";
    if (existsSync(repoPath(patch))) {
      const flags = (readYamlFile(patch) as { data: Record<string, string> }).data;
      for (const [flag, value] of Object.entries(flags)) expect(features[flag], flag).toBe(value);
    }
  });

  it("configures the ConfigMap broker-kafka.yaml names with MSK's SCRAM brokers and an auth Secret", () => {
    const { kind, name, namespace } = brokerKafka.spec.config;
    expect(kind).toBe("ConfigMap");
    expect(values.knative_eventing.metadata.namespace).toBe(namespace);
    const config = values.knative_eventing.spec.config[name];
    expect(config, `KnativeEventing config for ${name}`).toBeDefined();
    expect(config["bootstrap.servers"]).toBe("${var.kafka_bootstrap_servers}");
    expect(moduleCall(root, "knative").kafka_bootstrap_servers).toBe(
      "${module.msk.bootstrap_brokers_sasl_scram}",
    );
    // Without auth.secret.ref.name the Kafka broker connects with no credentials, which MSK,
    // with unauthenticated access off, refuses.
    expect(config["auth.secret.ref.name"], "auth.secret.ref.name").toBe(
      "${local.kafka_auth_secret}",
    );
    expect(values.kafka_auth_secret).toMatch(/^[a-z0-9-]+$/);
    expect(values.knative_eventing.spec.config.features["authentication-oidc"]).toBe("enabled");
  });

  it("leaves the SCRAM password out of the Helm values: no Secret among the manifests", () => {
    const release = resource(knative, "helm_release", "knative");
    const manifests = /manifests\s*=\s*concat\(([^)]*)\)/.exec(release.values[0])?.[1] ?? "";
    expect(manifests).toContain("local.knative_eventing");
    for (const [local, value] of Object.entries(values)) {
      if (value && typeof value === "object" && "kind" in value) {
        expect(value.kind, `local.${local}`).not.toBe("Secret");
      }
    }
    expect(release.set_sensitive, "set_sensitive is kept in state").toBeUndefined();
  });

  it("installs the Kafka broker's control and data planes with Eventing", () => {
    const urls = (values.knative_eventing.spec.additionalManifests as { URL: string }[]).map(
      (m) => m.URL,
    );
    expect(urls).toEqual([
      "${local.kafka_release}/eventing-kafka-controller.yaml",
      "${local.kafka_release}/eventing-kafka-broker.yaml",
    ]);
  });

  it("gives the custom resources to a chart that renders them, after the Operator's CRDs", () => {
    const release = resource(knative, "helm_release", "knative");
    expect(release.chart).toBe("${path.module}/chart");
    expect(release.depends_on).toEqual(["${helm_release.operator}"]);
    for (const local of ["knative_serving", "knative_eventing"]) {
      expect(release.values[0]).toContain(`local.${local}`);
    }
    const template = readFileSync(
      repoPath("terraform/modules/knative/chart/templates/manifests.tpl"),
      "utf8",
    );
    expect(template).toContain("range .Values.manifests");
    expect(template).toContain("toYaml .");
    expect(moduleCall(root, "knative").depends_on).toEqual(["${module.eks}"]);
  });
});

describe("outputs", () => {
  const readme = readFileSync(repoPath("terraform/README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Outputs"));
  const documented = [...(section ?? "").matchAll(/^\| `([a-z0-9_]+)` +\|/gm)].map((m) => m[1]);
  const declared = Object.keys(root.output);

  it("documents in terraform/README.md every output of the environment, and no other", () => {
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it("gives the EKS overlay, skaffold and the secret sync what they consume", () => {
    const consumed: Record<string, string> = {
      vpc_cidr: "${module.vpc.vpc_cidr_block}",
      ecr_registry: "${module.ecr.registry}",
      ecr_repository_urls: "${module.ecr.repository_urls}",
      irsa_role_arns: "${module.irsa.role_arns}",
      msk_bootstrap_brokers_sasl_scram: "${module.msk.bootstrap_brokers_sasl_scram}",
      msk_scram_secret_arn: "${module.msk.scram_secret_arn}",
      rds_endpoint: "${module.rds.endpoint}",
      elasticache_endpoint: "${module.elasticache.primary_endpoint}",
      rds_ca_cert_identifier: "${module.rds.ca_cert_identifier}",
      database_url_secret_arn: "${module.rds.master_user_secret_arn}",
      redis_url_secret_arn: "${module.elasticache.redis_url_secret_arn}",
    };
    for (const [name, value] of Object.entries(consumed)) {
      expect(root.output[name]?.[0]?.value, name).toBe(value);
    }
  });

  it("syncs the Kafka broker's Secret from MSK's SCRAM secret, as kafka-broker-config names it", () => {
    const knative = locals(folder("modules/knative"));
    const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    const synced = yamlBlocks
      .flatMap((text) => parseYamlDocuments(text) as Body[])
      .filter(
        (o) => o.kind === "ExternalSecret" && o.spec?.target?.name === knative.kafka_auth_secret,
      );
    expect(synced, `an ExternalSecret making ${knative.kafka_auth_secret}`).toHaveLength(1);
    const external = synced[0] as Body;
    // The Kafka broker reads its auth Secret from the ConfigMap's own namespace.
    expect(external.metadata.namespace).toBe(knative.knative_eventing.metadata.namespace);
    expect(external.spec.target.template.data).toEqual({
      protocol: "SASL_SSL",
      "sasl.mechanism": "SCRAM-SHA-512",
      user: "{{ .username }}",
      password: "{{ .password }}",
    });
    const sources = (external.spec.data as Body[]).map((d) => d.remoteRef.key);
    expect(new Set(sources)).toEqual(new Set(["<msk_scram_secret_arn>"]));
    expect(declared).toContain("msk_scram_secret_arn");
  });

  it("uses as default VPC CIDR the placeholder the overlay carries", () => {
    const placeholder = readFileSync(repoPath("knative/overlays/eks/notify-egress.yaml"), "utf8");
    const cidr = root.variable.vpc_cidr[0].default as string;
    expect(placeholder).toContain(`cidr: ${cidr}`);
    const kustomization = readFileSync(repoPath("knative/overlays/eks/kustomization.yaml"), "utf8");
    expect(kustomization).toContain(`TRUSTED_PROXIES=loopback,${cidr}`);
  });
});
