import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { McpEdgeCustomDomainArgs } from "./args.js";

/**
 * Gateway mode's public entry point: a Function URL with response streaming (MCP Streamable HTTP
 * answers with SSE), the two resource-policy statements a public Function URL needs, and an
 * optional CloudFront distribution for a custom domain.
 */

/**
 * CloudFront managed policies (global ids, the same in every account):
 * - CachingDisabled: nothing at the edge is cacheable by CloudFront (the edge sets its own
 *   `Cache-Control` on metadata; authorization decisions must never be cached).
 * - AllViewerExceptHostHeader: forwards `Authorization`, `Mcp-*`, `Origin` and the query string,
 *   but not `Host` (a Function URL answers 403 to a foreign Host).
 */
export const CLOUDFRONT_CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
export const CLOUDFRONT_ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/** The hosted zone id of every CloudFront distribution (for Route 53 alias records). */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";

/** Creates the Function URL and its two permissions. */
export function createFunctionUrl(parent: pulumi.Resource, name: string, fn: aws.lambda.Function) {
  const opts = { parent };
  // No Function URL CORS: the edge answers preflights itself from each server's allowedOrigins,
  // and a Function URL CORS config would add a second, conflicting set of headers.
  const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "NONE", invokeMode: "RESPONSE_STREAM" }, opts);
  // Since October 2025 a public Function URL needs both statements; with only the first, every
  // request is answered 403 by the Lambda front end (idp-mapping.md §5).
  const invokeUrl = new aws.lambda.Permission(
    `${name}-url-public`,
    { action: "lambda:InvokeFunctionUrl", function: fn.name, principal: "*", functionUrlAuthType: "NONE" },
    opts,
  );
  const invokeFn = new aws.lambda.Permission(
    `${name}-url-invoke`,
    { action: "lambda:InvokeFunction", function: fn.name, principal: "*", invokedViaFunctionUrl: true },
    opts,
  );
  return { url, permissions: [invokeUrl, invokeFn] };
}

/** Creates a CloudFront distribution (and optionally Route 53 alias records) in front of the Function URL. */
export function createCustomDomain(parent: pulumi.Resource, name: string, functionUrl: pulumi.Output<string>, d: McpEdgeCustomDomainArgs, tags?: Readonly<Record<string, string>>) {
  const opts = { parent };
  const originHost = functionUrl.apply((u) => new URL(u).host);
  const distribution = new aws.cloudfront.Distribution(
    `${name}-cdn`,
    {
      enabled: true,
      comment: `MCP auth edge ${name}`,
      aliases: [d.domainName],
      httpVersion: "http2and3",
      // IPv6 on, so the AAAA alias below points at addresses CloudFront actually serves.
      isIpv6Enabled: true,
      priceClass: "PriceClass_100",
      origins: [
        {
          originId: "edge",
          domainName: originHost,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1.2"],
            // Idle time between bytes of a streamed (SSE) answer, seconds; CloudFront's maximum without a quota raise.
            originReadTimeout: 60,
          },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "edge",
        viewerProtocolPolicy: "https-only",
        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: CLOUDFRONT_CACHING_DISABLED,
        originRequestPolicyId: CLOUDFRONT_ALL_VIEWER_EXCEPT_HOST,
        compress: false,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { acmCertificateArn: d.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      tags: tags ? { ...tags } : undefined,
    },
    opts,
  );
  // The AAAA alias exists only because the distribution has IPv6 enabled (isIpv6Enabled above).
  const records = d.hostedZoneId
    ? (["A", "AAAA"] as const).map(
        (type) =>
          new aws.route53.Record(
            `${name}-dns-${type.toLowerCase()}`,
            {
              zoneId: d.hostedZoneId!,
              name: d.domainName,
              type,
              aliases: [{ name: distribution.domainName, zoneId: CLOUDFRONT_HOSTED_ZONE_ID, evaluateTargetHealth: false }],
            },
            opts,
          ),
      )
    : [];
  return { distribution, records };
}
