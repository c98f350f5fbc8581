/**
 * What the AWS SDK reads from the environment the Lambda runtime sets, for the front's own AWS
 * client: the function role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), its region (`AWS_REGION`), endpoint overrides (`AWS_ENDPOINT_URL_<SERVICE>`,
 * then `AWS_ENDPOINT_URL`) and `AWS_MAX_ATTEMPTS`. Fails closed, naming the variable and the fix.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsServiceTarget {
  region: string;
  credentials: AwsCredentials;
  endpoint: URL;
  /** From `AWS_MAX_ATTEMPTS` when set. */
  maxAttempts?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An AWS region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`): it becomes part of a host name. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** DNS suffix of a region's partition (AWS's partitions.json: aws, aws-cn, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f). */
function dnsSuffix(region: string): string {
  if (region.startsWith("cn-")) return "amazonaws.com.cn";
  if (region.startsWith("us-isob-")) return "sc2s.sgov.gov";
  if (region.startsWith("us-iso-")) return "c2s.ic.gov";
  if (region.startsWith("eu-isoe-")) return "cloud.adc-e.uk";
  if (region.startsWith("us-isof-")) return "csp.hci.ic.gov";
  return "amazonaws.com";
}

export function credentialsFromEnv(env: Env): AwsCredentials {
  const accessKeyId = env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) throw new Error("AWS credentials missing: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the Lambda runtime sets them from the function's role)");
  const sessionToken = env["AWS_SESSION_TOKEN"];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * @param service the endpoint prefix (`dynamodb`, `secretsmanager`)
 * @param envName the service's `AWS_ENDPOINT_URL_<envName>` suffix (`DYNAMODB`, `SECRETS_MANAGER`)
 */
export function awsServiceTargetFromEnv(env: Env, service: string, envName: string): AwsServiceTarget {
  const region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"];
  if (!region) throw new Error("AWS_REGION is not set (the Lambda runtime sets it; elsewhere set it to the table's region)");
  if (!REGION.test(region)) throw new Error(`AWS_REGION '${region}' is not a region name (e.g. eu-west-1)`);
  for (const flag of ["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"]) {
    if (env[flag]?.toLowerCase() === "true") throw new Error(`${flag}=true is not supported by the front's AWS client; set AWS_ENDPOINT_URL_${envName} to the endpoint to use instead`);
  }
  const override = env[`AWS_ENDPOINT_URL_${envName}`] ?? env["AWS_ENDPOINT_URL"];
  let endpoint: URL;
  try {
    endpoint = new URL(override ?? `https://${service}.${region}.${dnsSuffix(region)}`);
  } catch {
    throw new Error(`AWS_ENDPOINT_URL_${envName} (or AWS_ENDPOINT_URL) '${override}' is not a URL; use e.g. https://${service}.${region}.amazonaws.com`);
  }
  if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new Error(`the ${service} endpoint '${endpoint.href}' must be an http(s) URL`);
  const attempts = env["AWS_MAX_ATTEMPTS"];
  let maxAttempts: number | undefined;
  if (attempts) {
    maxAttempts = Number(attempts);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`AWS_MAX_ATTEMPTS must be a positive integer, got '${attempts}'`);
  }
  return { region, credentials: credentialsFromEnv(env), endpoint, ...(maxAttempts !== undefined ? { maxAttempts } : {}) };
}
