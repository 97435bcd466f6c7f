// The Worker: its features, one line each. `npm run remove-feature -- <name>` takes one out (docs/features.md).
import { streamObject } from "./app/streamObject";
import { worker } from "./app/worker";
import aiChat from "./features/ai-chat";
import anthropic from "./features/anthropic";
import chat from "./features/chat";
import mcp from "./features/mcp";
import demoStreams from "./features/demo-streams";
import openaiGateway from "./features/openai-gateway";
import progressive from "./features/progressive";
import proxy from "./features/proxy";
import responses from "./features/responses";
import streamProtocol from "./features/stream-protocol";
import tus from "./features/tus";
import uploads from "./features/uploads";

export const features = [
  demoStreams,
  progressive,
  chat,
  openaiGateway,
  responses,
  aiChat,
  anthropic,
  mcp,
  streamProtocol,
  proxy,
  uploads,
  tus,
];

export default worker(features);

/** The durable streams' Durable Object (bound as STREAMS), running the features' producers. */
export class StreamObject extends streamObject(features) {}

export { McpSession } from "./features/mcp/McpSession";
export { ProtocolStream } from "./features/stream-protocol/ProtocolStream";
export { TusUpload } from "./features/tus/TusUpload";
