import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";

/** The method ARN API Gateway passes for `POST /crm` on stage `prod`. */
export const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/crm";

/** A REST API REQUEST authorizer event as API Gateway sends it (no body, ever). */
export function authorizerEvent(headers: Record<string, string>, over: Partial<APIGatewayRequestAuthorizerEvent> = {}): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    resource: "/crm",
    path: "/crm",
    httpMethod: "POST",
    headers: { Host: "mcp.example.com", ...headers },
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      authorizer: undefined,
      protocol: "HTTP/1.1",
      httpMethod: "POST",
      path: "/crm",
      stage: "prod",
      requestId: "req-1",
      requestTimeEpoch: 0,
      resourceId: "res1",
      resourcePath: "/crm",
      domainName: "mcp.example.com",
      identity: { sourceIp: "198.51.100.7", userAgent: "test-agent" } as APIGatewayRequestAuthorizerEvent["requestContext"]["identity"],
    },
    ...over,
  };
}

