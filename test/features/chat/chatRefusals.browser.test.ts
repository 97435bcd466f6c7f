import { describeBrowserRefusals } from "../../browser/browserRefusals";
import { usePage } from "../../browser/pageUnderTest";
import { useWorker } from "../../e2e/harness";
import { chatLimits, chatRefusals } from "./chatRefusals.node";

const worker = useWorker({ vars: chatLimits() });
const tab = usePage(worker);
describeBrowserRefusals(() => tab.page, chatRefusals);
