import { describeRefusals } from "../../e2e/refusals";
import { useWranglerDev } from "../../e2e/wranglerDev";
import { chatLimits, chatRefusals } from "./chatRefusals.node";

describeRefusals(useWranglerDev(chatLimits), chatRefusals);
