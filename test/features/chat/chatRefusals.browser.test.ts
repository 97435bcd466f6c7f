import { describeBrowserRefusals } from "../../browser/browserRefusals";
import { usePage } from "../../browser/pageUnderTest";
import { useWranglerDev } from "../../e2e/wranglerDev";
import { chatLimits, chatRefusals } from "./chatRefusals.node";

const worker = useWranglerDev(chatLimits);
const tab = usePage(worker);
describeBrowserRefusals(worker, () => tab.page, chatRefusals);
