import { describeRefusals } from "../../e2e/refusals";
import { useWranglerDev } from "../../e2e/wranglerDev";
import { uploadLimits, uploadRefusals } from "./uploadRefusals.node";

describeRefusals(useWranglerDev(uploadLimits), uploadRefusals);
