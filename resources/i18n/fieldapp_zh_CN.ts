<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ActionDelegate</name>
    <message>
        <source>Start visit</source>
        <translation>开始拜访</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
</context>
<context>
    <name>AddCustomerDialog</name>
    <message>
        <source>Add a customer to the plan of {date}</source>
        <translation>将客户加入 {date} 的拜访计划</translation>
    </message>
    <message>
        <source>Search by store name, code, owner or address…</source>
        <translation>按店名、客户编码、负责人或地址搜索…</translation>
    </message>
    <message>
        <source>Why (optional), e.g. the retailer asked for a visit</source>
        <translation>原因（选填），例如：零售户要求上门</translation>
    </message>
    <message>
        <source>Add to plan</source>
        <translation>加入计划</translation>
    </message>
    <message>
        <source>No customer matches.</source>
        <translation>没有匹配的客户。</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>Opening the customer database…</source>
        <extracomment>the first-start check ran (demo data offered, started or not needed)</extracomment>
        <translation>正在打开客户数据库…</translation>
    </message>
    <message>
        <source>This FieldApp build has no demo data generator; starting empty.</source>
        <translation>此版本的 FieldApp 不含示例数据生成器，将以空档案启动。</translation>
    </message>
    <message>
        <source>Demo data loaded.</source>
        <translation>示例数据已载入。</translation>
    </message>
    <message>
        <source>Loading demo data was stopped.</source>
        <translation>已停止载入示例数据。</translation>
    </message>
    <message>
        <source>FieldApp cannot open the customer database</source>
        <translation>FieldApp 无法打开客户数据库</translation>
    </message>
    <message numerus="yes">
        <source>…and %n older backup(s).</source>
        <translation>
            <numerusform>……另有 %n 个更早的备份。</numerusform>
        </translation>
    </message>
    <message>
        <source>Backups of this profile, newest first:</source>
        <translation>此档案的备份（最新的在前）：</translation>
    </message>
    <message>
        <source>No backups of this profile were found.</source>
        <translation>没有找到此档案的备份。</translation>
    </message>
    <message>
        <source>Show backups folder</source>
        <translation>打开备份文件夹</translation>
    </message>
    <message>
        <source>An unexpected error occurred: {error}

Your saved data is safe. Please tell IT what you were doing.</source>
        <translation>发生了意外错误：{error}

已保存的数据是安全的。请告诉 IT 人员您当时正在做什么。</translation>
    </message>
</context>
<context>
    <name>AttendanceBar</name>
    <message>
        <source>Working day started at {time}</source>
        <translation>已于 {time} 上班签到</translation>
    </message>
    <message>
        <source>The working day of {date} was not ended</source>
        <translation>{date} 的工作日尚未签退</translation>
    </message>
    <message>
        <source>Working day {start}–{end}</source>
        <translation>今日工作 {start}–{end}</translation>
    </message>
    <message>
        <source>Working day not started</source>
        <translation>今日尚未签到</translation>
    </message>
    <message>
        <source>Resume working day</source>
        <translation>重新上班签到</translation>
    </message>
    <message>
        <source>Start working day</source>
        <translation>上班签到</translation>
    </message>
    <message>
        <source>End working day</source>
        <translation>下班签退</translation>
    </message>
</context>
<context>
    <name>Checklist</name>
    <message>
        <source>&apos;{item}&apos; is not answered yet.</source>
        <extracomment>Template weights must add up to this total (within WEIGHT_TOLERANCE). Longest answer note copied into a proposed follow-up&apos;s title.</extracomment>
        <translation>“{item_zh}”尚未填写。</translation>
    </message>
    <message>
        <source>&apos;{item}&apos; needs a photo. Take one before checking out.</source>
        <translation>“{item_zh}”需要照片，请拍照后再签退。</translation>
    </message>
    <message>
        <source>Enter the count for &apos;{item}&apos;.</source>
        <translation>请填写“{item_zh}”的数量。</translation>
    </message>
    <message>
        <source>The count for &apos;{item}&apos; cannot be negative ({count}). Enter 0 or more.</source>
        <translation>“{item_zh}”的数量不能为负数（{count}），请填写 0 或以上。</translation>
    </message>
    <message>
        <source>&apos;{item}&apos; failed: describe what is wrong in the note.</source>
        <translation>“{item_zh}”不合格：请在备注中说明问题。</translation>
    </message>
    <message>
        <source>The template has no name. Give it a name.</source>
        <translation>模板没有名称，请填写名称。</translation>
    </message>
    <message>
        <source>The template has no items. Add at least one item.</source>
        <translation>模板没有检查项，请至少添加一项。</translation>
    </message>
    <message>
        <source>Item {number} has no key. Give every item a key.</source>
        <translation>第 {number} 项没有编码，请为每一项设置编码。</translation>
    </message>
    <message>
        <source>The key &apos;{key}&apos; is used by items {first} and {number}. Every item needs its own key.</source>
        <translation>编码“{key}”同时用于第 {first} 项和第 {number} 项，每一项的编码必须唯一。</translation>
    </message>
    <message>
        <source>Item {number} has no label. Enter its text.</source>
        <translation>第 {number} 项没有名称，请填写内容。</translation>
    </message>
    <message>
        <source>The weight of &apos;{item}&apos; is {weight}; it must be a number greater than 0.</source>
        <translation>“{item}”的权重为 {weight}，必须是大于 0 的数。</translation>
    </message>
    <message>
        <source>The weights add up to {total}; they must add up to {expected}. Adjust the weights.</source>
        <translation>权重合计为 {total}，应为 {expected}，请调整权重。</translation>
    </message>
</context>
<context>
    <name>ChecklistItemRow</name>
    <message>
        <source>Photos: {count}</source>
        <translation>照片：{count}</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>This item needs a photo before check-out</source>
        <translation>此项须拍照后才能签退</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>Photo required</source>
        <translation>须拍照</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>weight {weight}</source>
        <translation>权重 {weight}</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>N/A</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>Not applicable at this store</source>
        <translation>本店不适用此项</translation>
    </message>
    <message>
        <source>How many (e.g. facings, new products on the shelf)</source>
        <translation>数量（如陈列面数、上柜新品数）</translation>
    </message>
    <message>
        <source>Describe what is wrong (required when it fails)</source>
        <translation>说明存在的问题（不合格时必填）</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>备注（选填）</translation>
    </message>
    <message>
        <source>Attach image file…</source>
        <translation>添加图片文件…</translation>
    </message>
    <message>
        <source>Paste image from clipboard</source>
        <translation>从剪贴板粘贴图片</translation>
    </message>
</context>
<context>
    <name>ChecklistPanel</name>
    <message>
        <source>This visit has no checklist: no checklist template is installed on this laptop. Notes, photos and follow-ups work as usual.</source>
        <translation>本次拜访没有检查表：这台电脑上未安装检查表模板。拜访记录、照片和待办仍可正常使用。</translation>
    </message>
</context>
<context>
    <name>ConflictListModel</name>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>被拒绝</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Sync conflicts</source>
        <translation>同步冲突</translation>
    </message>
</context>
<context>
    <name>ConflictsView</name>
    <message>
        <source>Customer file</source>
        <translation>客户档案</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <source>Checklist answer</source>
        <translation>检查项结果</translation>
    </message>
    <message>
        <source>Visit notes</source>
        <translation>拜访记录</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>跟进事项</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Purchase</source>
        <translation>进货记录</translation>
    </message>
    <message>
        <source>Checklist template</source>
        <translation>检查表模板</translation>
    </message>
    <message>
        <source>{kind}: {name}</source>
        <translation>{kind}：{name}</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>已删除</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Deleted on the server while you changed it here. Keep yours to restore it with your changes.</source>
        <translation>您在本机修改时，它已在服务器上被删除。选择“保留我的”可连同您的修改一起恢复。</translation>
    </message>
    <message>
        <source>You deleted it, but someone changed it on the server meanwhile. Keep yours to delete it after all.</source>
        <translation>您删除了它，但其间有人在服务器上修改了它。选择“保留我的”仍将其删除。</translation>
    </message>
    <message>
        <source>Changed here and on the server: {fields}.</source>
        <translation>本机和服务器都修改了：{fields}。</translation>
    </message>
    <message>
        <source>Changed here and on the server.</source>
        <translation>本机和服务器都修改了。</translation>
    </message>
    <message>
        <source>The server refused this change: {reason}</source>
        <translation>服务器拒绝了此修改：{reason}</translation>
    </message>
    <message>
        <source>Not settled: {error}</source>
        <extracomment>list[ConflictRow] — a (re)load finished (conflict id, choice) — a resolution (or dismissal) landed the message shown — a resolution failed</extracomment>
        <translation>未能处理：{error}</translation>
    </message>
    <message>
        <source>Keep mine</source>
        <translation>保留我的</translation>
    </message>
    <message>
        <source>Keep theirs</source>
        <translation>采用服务器的</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭此项</translation>
    </message>
    <message>
        <source>Send my values to the server; they replace the other ones.</source>
        <translation>把我的值发送到服务器，替换对方的值。</translation>
    </message>
    <message>
        <source>Take the server&apos;s values; mine are dropped.</source>
        <translation>采用服务器的值，放弃我的值。</translation>
    </message>
    <message>
        <source>Type the values to keep, e.g. a mix of both.</source>
        <translation>输入要保留的值，例如两者的组合。</translation>
    </message>
    <message>
        <source>The server will not take this change as it is. Close it here.</source>
        <translation>服务器不接受此修改，在这里关闭它。</translation>
    </message>
    <message>
        <source>Nothing to review: every change was settled.</source>
        <translation>没有待处理的冲突：所有修改都已同步。</translation>
    </message>
</context>
<context>
    <name>Cover</name>
    <message>
        <source>Choose the manager on leave and the backup.</source>
        <translation>请选择请假的客户经理和B角。</translation>
    </message>
    <message>
        <source>A manager cannot cover for themselves: choose another backup.</source>
        <translation>客户经理不能给自己代岗，请选择其他B角。</translation>
    </message>
    <message>
        <source>The cover period ends ({end}) before it starts ({start}).</source>
        <translation>代岗结束日期（{end}）早于开始日期（{start}）。</translation>
    </message>
    <message>
        <source>{b} is on leave from {start} to {end}: {a} and {b} cannot be away at the same time.</source>
        <translation>{b}在{start}至{end}请假：{a}和{b}不能同时请假。</translation>
    </message>
    <message>
        <source>{a} already has a cover period from {start} to {end}; change or cancel that one.</source>
        <translation>{a}在{start}至{end}已有代岗安排，请修改或取消该安排。</translation>
    </message>
    <message>
        <source>{a} covers {c} from {start} to {end} and cannot be on leave then.</source>
        <translation>{a}在{start}至{end}为{c}代岗，这期间不能请假。</translation>
    </message>
    <message>
        <source>This cover period no longer exists.</source>
        <translation>该代岗安排已不存在。</translation>
    </message>
</context>
<context>
    <name>CoverDialog</name>
    <message>
        <source>Record leave (AB cover)</source>
        <translation>登记请假（AB角）</translation>
    </message>
    <message>
        <source>On leave</source>
        <translation>请假人</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>B角</translation>
    </message>
    <message>
        <source>From</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <source>To</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>事由</translation>
    </message>
</context>
<context>
    <name>CoverModel</name>
    <message>
        <source>On leave</source>
        <translation>请假人</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>B角</translation>
    </message>
    <message>
        <source>From</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <source>To</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>事由</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Planned</source>
        <translation>已安排</translation>
    </message>
    <message>
        <source> (waiting to sync)</source>
        <translation>（待同步）</translation>
    </message>
</context>
<context>
    <name>CoverView</name>
    <message>
        <source>Record leave…</source>
        <translation>登记请假…</translation>
    </message>
    <message>
        <source>Cancel period</source>
        <translation>取消代岗</translation>
    </message>
    <message>
        <source>While a manager is on leave, the backup&apos;s laptop receives their customers on the next sync and visits are credited on their behalf. A and B cannot be away at the same time.</source>
        <translation>客户经理请假期间，B角的电脑在下次同步时会收到其客户，拜访记为代其拜访。A角与B角不能同时请假。</translation>
    </message>
    <message>
        <source>Cancel the leave of {a} ({start} – {end})? {b} will no longer cover.</source>
        <translation>取消{a}的请假（{start} – {end}）？{b}将不再代岗。</translation>
    </message>
</context>
<context>
    <name>CustomerForm</name>
    <message>
        <source>This customer no longer exists; it was deleted.</source>
        <translation>该客户已不存在，已被删除。</translation>
    </message>
    <message>
        <source>New customer: fill in the fields marked * and save.</source>
        <translation>新建客户：请填写标有 * 的字段，然后保存。</translation>
    </message>
    <message>
        <source>this customer</source>
        <translation>该客户</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>You changed {name} but did not save. Discard the changes?</source>
        <translation>您修改了“{name}”但尚未保存。要放弃这些修改吗？</translation>
    </message>
    <message>
        <source>Discard changes</source>
        <translation>放弃修改</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <source>{klass} (from grade and tags)</source>
        <translation>{klass}（由档位和标签自动计算）</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Not saved. Please correct: {fields}.</source>
        <translation>未保存。请更正：{fields}。</translation>
    </message>
    <message>
        <source>New customer saved.</source>
        <translation>新客户已保存。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Delete customer</source>
        <translation>删除客户</translation>
    </message>
    <message>
        <source>Delete the customer file of {name} ({code})?

It disappears from the list on this laptop, and the deletion is sent to the server at the next sync.</source>
        <translation>要删除“{name}”（{code}）的客户档案吗？

该客户将从本机列表中消失，删除操作会在下次同步时发送到服务器。</translation>
    </message>
    <message>
        <source>This customer was changed elsewhere. Saving will overwrite those changes.</source>
        <translation>该客户已在别处被修改。保存将覆盖那些修改。</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Class {klass}</source>
        <translation>{klass} 类</translation>
    </message>
    <message>
        <source>Basic information</source>
        <translation>基本信息</translation>
    </message>
    <message>
        <source>Tobacco retail licence</source>
        <translation>烟草专卖零售许可证</translation>
    </message>
    <message>
        <source>Business</source>
        <translation>经营信息</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>需求与备注</translation>
    </message>
    <message>
        <source>e.g. HN-0001</source>
        <translation>例如 HN-0001</translation>
    </message>
    <message>
        <source>12 digits, as printed on the licence</source>
        <translation>12 位数字，与许可证上一致</translation>
    </message>
    <message>
        <source>mobile or landline with area code</source>
        <translation>手机号，或带区号的固定电话</translation>
    </message>
    <message>
        <source>comma separated, e.g. 近学校, 新品试点</source>
        <translation>用逗号分隔，例如：近学校，新品试点</translation>
    </message>
    <message>
        <source>e.g. 28.1234</source>
        <translation>例如 28.1234</translation>
    </message>
    <message>
        <source>e.g. 112.9388</source>
        <translation>例如 112.9388</translation>
    </message>
    <message>
        <source>e.g. R01</source>
        <translation>例如 R01</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Pick a date</source>
        <translation>选择日期</translation>
    </message>
    <message>
        <source>Select a customer in the list to see and edit the file,
or create a new customer.</source>
        <translation>在左侧列表中选择客户以查看和编辑档案，
或新建客户。</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>撤销修改</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save the customer file (Ctrl+S)</source>
        <translation>保存客户档案（Ctrl+S）</translation>
    </message>
</context>
<context>
    <name>CustomerHistoryWidget</name>
    <message>
        <source>Customer history</source>
        <translation>客户历史</translation>
    </message>
    <message>
        <source>{store} — history</source>
        <translation>{store} — 拜访历史</translation>
    </message>
    <message>
        <source>class {klass}</source>
        <translation>{klass} 类</translation>
    </message>
    <message>
        <source>grade {grade}</source>
        <translation>{grade} 档</translation>
    </message>
    <message>
        <source>Open follow-ups ({count})</source>
        <translation>未完成待办（{count}）</translation>
    </message>
    <message>
        <source>no due date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <source>Failed at the last visit ({count})</source>
        <translation>上次拜访不合格项（{count}）</translation>
    </message>
    <message>
        <source>Visits on record</source>
        <translation>拜访次数</translation>
    </message>
    <message>
        <source>Average checklist score</source>
        <translation>检查平均得分</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>最近拜访</translation>
    </message>
    <message>
        <source>Open follow-ups</source>
        <translation>未完成待办</translation>
    </message>
    <message>
        <source>Cartons last month</source>
        <translation>上月订货（条）</translation>
    </message>
    <message>
        <source>Checklist score per visit</source>
        <translation>历次拜访检查得分</translation>
    </message>
    <message>
        <source>Purchases per month (cartons)</source>
        <translation>月度订货量（条）</translation>
    </message>
    <message>
        <source>Past visits</source>
        <translation>历次拜访</translation>
    </message>
    <message>
        <source>No scored visit yet.</source>
        <translation>暂无有得分的拜访。</translation>
    </message>
    <message>
        <source>No purchases on record.</source>
        <translation>暂无订货记录。</translation>
    </message>
    <message>
        <source>No visit on record.</source>
        <translation>暂无拜访记录。</translation>
    </message>
    <message>
        <source>Choose a customer to see their history.</source>
        <translation>请选择客户以查看拜访历史。</translation>
    </message>
    <message>
        <source>Cartons</source>
        <translation>条</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
</context>
<context>
    <name>CustomerListPanel</name>
    <message>
        <source>Loading…</source>
        <extracomment>the customer the user selected (id), or None when the selection became empty.</extracomment>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>No customers yet. Use File ▸ New customer to add one.</source>
        <translation>还没有客户。请使用“文件 ▸ 新建客户”添加。</translation>
    </message>
    <message>
        <source>No customers match the search and filters.</source>
        <translation>没有符合搜索和筛选条件的客户。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln customer(s)</source>
        <translation>
            <numerusform>共 %Ln 个客户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Showing {shown} of %Ln customer(s)</source>
        <translation>
            <numerusform>显示 {shown} 个，共 %Ln 个客户</numerusform>
        </translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>全部分类</translation>
    </message>
    <message>
        <source>All routes</source>
        <translation>全部线路</translation>
    </message>
    <message>
        <source>All tags</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <source>Search store, owner, address, code or phone</source>
        <translation>搜索店名、负责人、地址、编码或电话</translation>
    </message>
    <message>
        <source>Type any part of a name, e.g. 便利 finds 王记便利店.</source>
        <translation>输入名称的任意部分，例如输入“便利”可找到“王记便利店”。</translation>
    </message>
    <message>
        <source>Visit class</source>
        <translation>拜访分类</translation>
    </message>
    <message>
        <source>Delivery route</source>
        <translation>送货线路</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>CustomerTableModel</name>
    <message>
        <source>The licence has expired.</source>
        <extracomment>(shown, total): the ids of a new query arrived. a page of rows arrived (the page number); tests count these.</extracomment>
        <translation>许可证已过期。</translation>
    </message>
    <message numerus="yes">
        <source>The licence expires in %n day(s).</source>
        <translation>
            <numerusform>许可证将在 %n 天后到期。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DashboardView</name>
    <message>
        <source>Current</source>
        <translation>本期</translation>
    </message>
    <message>
        <source>Previous period</source>
        <translation>上一期</translation>
    </message>
    <message>
        <source>Next period</source>
        <translation>下一期</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>拜访次数</translation>
    </message>
    <message>
        <source>Coverage %</source>
        <translation>覆盖率 %</translation>
    </message>
    <message>
        <source>Average score</source>
        <translation>平均得分</translation>
    </message>
    <message>
        <source>Most failed items</source>
        <translation>不合格最多的检查项</translation>
    </message>
    <message>
        <source>No failed items in this period.</source>
        <translation>本期没有不合格项。</translation>
    </message>
    <message>
        <source>Team trend: coverage % and average score</source>
        <translation>团队趋势：覆盖率与平均得分</translation>
    </message>
</context>
<context>
    <name>Database</name>
    <message>
        <source>The database file {path} is damaged ({detail}). It has not been changed. There is no backup in {backup_dir}. Ask IT to try to recover the file, or move it away to start an empty profile and sync again.</source>
        <translation>数据库文件 {path} 已损坏（{detail}），文件未被改动。{backup_dir} 中没有备份。请联系 IT 人员尝试恢复该文件，或将其移走，以空档案启动后重新同步。</translation>
    </message>
    <message>
        <source>The database file {path} is damaged ({detail}). It has not been changed. To go back to the newest backup: close FieldApp, delete {path}-wal and {path}-shm if they exist, then copy {backup} to {path}. Changes made since that backup and not yet synced will be missing.</source>
        <translation>数据库文件 {path} 已损坏（{detail}），文件未被改动。要恢复到最新的备份：请关闭 FieldApp，删除 {path}-wal 和 {path}-shm（如果存在），再把 {backup} 复制为 {path}。该备份之后所做且尚未同步的修改将会缺失。</translation>
    </message>
    <message>
        <source>The file {path} is not a FieldApp database ({detail}). It has not been changed. Choose another data folder with --data-dir, or move the file away (with its -wal and -shm files) and copy the newest backup {backup} to {path}.</source>
        <translation>文件 {path} 不是 FieldApp 数据库（{detail}），文件未被改动。请用 --data-dir 选择其他数据文件夹，或将该文件（连同其 -wal 和 -shm 文件）移走，再把最新的备份 {backup} 复制为 {path}。</translation>
    </message>
    <message>
        <source>The file {path} is not a FieldApp database ({detail}). It has not been changed. Choose another data folder with --data-dir, or move the file away.</source>
        <translation>文件 {path} 不是 FieldApp 数据库（{detail}），文件未被改动。请用 --data-dir 选择其他数据文件夹，或将该文件移走。</translation>
    </message>
    <message>
        <source>The database {path} was written by a newer FieldApp ({detail}). This version will not touch it. Install the newer FieldApp version.</source>
        <translation>数据库 {path} 由更新版本的 FieldApp 写入（{detail}），当前版本不会改动它。请安装更新版本的 FieldApp。</translation>
    </message>
    <message>
        <source>The database {path} could not be read ({detail}). It has not been changed. Close other programs that may be using it (another FieldApp window, a backup or sync tool) and check that you may read and write the folder, then start FieldApp again.</source>
        <translation>无法读取数据库 {path}（{detail}），文件未被改动。请关闭可能正在使用它的其他程序（另一个 FieldApp 窗口、备份或同步工具），并确认您有该文件夹的读写权限，然后重新启动 FieldApp。</translation>
    </message>
    <message>
        <source>FieldApp must upgrade the database {path} but could not back it up first ({detail}), so it has not been changed. Free some disk space in {backup_dir} and start FieldApp again.</source>
        <translation>FieldApp 需要升级数据库 {path}，但升级前无法先备份（{detail}），因此未改动它。请在 {backup_dir} 所在磁盘上腾出空间，然后重新启动 FieldApp。</translation>
    </message>
    <message>
        <source>Creating the database {path} failed ({detail}). Please report this to IT.</source>
        <translation>创建数据库 {path} 失败（{detail}）。请报告 IT 人员。</translation>
    </message>
    <message>
        <source>Upgrading the database {path} failed ({detail}) and putting the backup back failed too ({restore_detail}). Do not use FieldApp on this profile: ask IT to copy the backup {backup} to {path}.</source>
        <translation>升级数据库 {path} 失败（{detail}），恢复备份也失败了（{restore_detail}）。请不要在此档案上使用 FieldApp：请联系 IT 人员把备份 {backup} 复制为 {path}。</translation>
    </message>
    <message>
        <source>Upgrading the database {path} failed ({detail}); the previous version was restored from {backup}. Nothing was lost. Please report this to IT.</source>
        <translation>升级数据库 {path} 失败（{detail}）；已从 {backup} 恢复到之前的版本，没有数据丢失。请报告 IT 人员。</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <source>This profile already holds {count} customers, so no demo data was added. Use an empty data folder (--data-dir), or add the demo customers anyway with --force.</source>
        <translation>此档案已有 {count} 个客户，因此未添加示例数据。请使用空的数据文件夹（--data-dir），或用 --force 强制添加示例客户。</translation>
    </message>
    <message>
        <source>Loading the demo data was cancelled. Nothing was added to the profile.</source>
        <translation>已取消载入示例数据，档案中没有添加任何内容。</translation>
    </message>
</context>
<context>
    <name>DemoData</name>
    <message>
        <source>Empty profile</source>
        <translation>空档案</translation>
    </message>
    <message>
        <source>This profile has no customers yet.</source>
        <translation>此档案中还没有客户。</translation>
    </message>
    <message>
        <source>Load demo data (示例数据) to try FieldApp? It adds {count} made-up customers around a county town. The window then shows a DEMO DATA badge; do not enter real customers into a demo profile.</source>
        <translation>要载入示例数据来试用 FieldApp 吗？将添加某县城周边 {count} 个虚构的客户。之后窗口会显示“示例数据”标记；请不要在示例档案中录入真实客户。</translation>
    </message>
    <message>
        <source>Load demo data</source>
        <translation>载入示例数据</translation>
    </message>
    <message>
        <source>Start empty</source>
        <translation>以空档案开始</translation>
    </message>
    <message>
        <source>Do not ask again</source>
        <translation>不再询问</translation>
    </message>
</context>
<context>
    <name>DemoLoader</name>
    <message>
        <source>Demo data</source>
        <extracomment>True when the demo data was loaded completely; False when cancelled or failed.</extracomment>
        <translation>示例数据</translation>
    </message>
    <message>
        <source>Creating {count} demo customers…</source>
        <translation>正在创建 {count} 个示例客户…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
</context>
<context>
    <name>EditValuesDialog</name>
    <message>
        <source>Edit the value to keep</source>
        <translation>编辑要保留的值</translation>
    </message>
    <message>
        <source>Server: {value}</source>
        <translation>服务器：{value}</translation>
    </message>
    <message>
        <source>These values are saved on the server for everyone.</source>
        <translation>这些值会保存到服务器，所有人都会看到。</translation>
    </message>
</context>
<context>
    <name>Enum</name>
    <message>
        <source>Urban</source>
        <translation>城镇</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>乡村</translation>
    </message>
    <message>
        <source>Convenience store</source>
        <translation>便利店</translation>
    </message>
    <message>
        <source>Grocery</source>
        <translation>食杂店</translation>
    </message>
    <message>
        <source>Supermarket</source>
        <translation>超市</translation>
    </message>
    <message>
        <source>Mall</source>
        <translation>商场</translation>
    </message>
    <message>
        <source>Hospitality / entertainment</source>
        <translation>娱乐服务类</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Monday</source>
        <translation>星期一</translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation>星期二</translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation>星期三</translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation>星期四</translation>
    </message>
    <message>
        <source>Friday</source>
        <translation>星期五</translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation>星期六</translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation>星期日</translation>
    </message>
    <message>
        <source>Service visit</source>
        <translation>服务型拜访</translation>
    </message>
    <message>
        <source>Inspection visit</source>
        <translation>检查型拜访</translation>
    </message>
    <message>
        <source>Guidance visit</source>
        <translation>指导型拜访</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Pass / fail</source>
        <translation>合格 / 不合格</translation>
    </message>
    <message>
        <source>Pass / fail with a count</source>
        <translation>合格 / 不合格并计数</translation>
    </message>
    <message>
        <source>Pass / fail with a note</source>
        <translation>合格 / 不合格并备注</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>Not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Added by hand</source>
        <translation>手动添加</translation>
    </message>
    <message>
        <source>Open complaint</source>
        <translation>投诉未结</translation>
    </message>
    <message>
        <source>Licence expiring</source>
        <translation>许可证到期</translation>
    </message>
    <message>
        <source>Visit overdue</source>
        <translation>拜访逾期</translation>
    </message>
    <message>
        <source>Failed checklist items</source>
        <translation>检查不合格</translation>
    </message>
    <message>
        <source>Open follow-up</source>
        <translation>待办未完成</translation>
    </message>
    <message>
        <source>Orders dropping</source>
        <translation>订货下降</translation>
    </message>
    <message>
        <source>Regular visit due</source>
        <translation>例行拜访</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <source>Ten days</source>
        <translation>旬</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>Comment</source>
        <extracomment>Longest text of one review event (comment, reason).</extracomment>
        <translation>评论</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Return for correction</source>
        <translation>退回修改</translation>
    </message>
    <message>
        <source>Resubmit</source>
        <translation>重新提交</translation>
    </message>
    <message>
        <source>New</source>
        <translation>待审核</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <source>Resubmitted</source>
        <translation>已重新提交</translation>
    </message>
    <message>
        <source>Visit&apos;s manager</source>
        <translation>拜访的客户经理</translation>
    </message>
    <message>
        <source>Team lead</source>
        <translation>组长</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export ledgers</source>
        <translation>导出台账</translation>
    </message>
    <message>
        <source>Visit list</source>
        <translation>拜访清单</translation>
    </message>
    <message>
        <source>Personalized service ledger</source>
        <translation>个性化服务台账</translation>
    </message>
    <message>
        <source>Real-time market ledger</source>
        <translation>市场信息台账</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Ledger</source>
        <translation>台账</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>Containing the day</source>
        <translation>所含日期</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Rows written: {rows}. File: {path}</source>
        <translation>已导出 {rows} 行，文件：{path}</translation>
    </message>
    <message>
        <source>The export failed: {error}</source>
        <translation>导出失败：{error}</translation>
    </message>
</context>
<context>
    <name>Field</name>
    <message>
        <source>Customer code</source>
        <translation>客户编码</translation>
    </message>
    <message>
        <source>Licence number</source>
        <translation>许可证号</translation>
    </message>
    <message>
        <source>Licence expiry</source>
        <translation>许可证到期日</translation>
    </message>
    <message>
        <source>Store name</source>
        <translation>店名</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>Market type</source>
        <translation>市场类型</translation>
    </message>
    <message>
        <source>Business format</source>
        <translation>业态</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>档位</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>Delivery route</source>
        <translation>送货线路</translation>
    </message>
    <message>
        <source>Ordering day</source>
        <translation>订货日</translation>
    </message>
    <message>
        <source>Modern terminal</source>
        <translation>现代终端</translation>
    </message>
    <message>
        <source>Integrity rating</source>
        <translation>诚信等级</translation>
    </message>
    <message>
        <source>E-commerce ordering</source>
        <translation>网上订货</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>特征标签</translation>
    </message>
    <message>
        <source>Account manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Backup manager</source>
        <translation>B 角客户经理</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Needs and preferences</source>
        <translation>需求与偏好</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>FieldsModel</name>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Mine (this laptop)</source>
        <translation>我的（本机）</translation>
    </message>
    <message>
        <source>Theirs (server)</source>
        <translation>对方的（服务器）</translation>
    </message>
</context>
<context>
    <name>FiguresModel</name>
    <message>
        <source>Team</source>
        <translation>团队合计</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>拜访次数</translation>
    </message>
    <message>
        <source>Planned</source>
        <translation>计划拜访</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>覆盖率</translation>
    </message>
    <message>
        <source>Avg. score</source>
        <translation>平均得分</translation>
    </message>
    <message>
        <source>Avg. duration (min)</source>
        <translation>平均时长（分钟）</translation>
    </message>
    <message>
        <source>Follow-ups on time</source>
        <translation>跟进按时完成率</translation>
    </message>
    <message>
        <source>Complaints open</source>
        <translation>未处理投诉</translation>
    </message>
    <message>
        <source>Late syncs</source>
        <translation>迟交同步</translation>
    </message>
    <message>
        <source>Missed customers</source>
        <translation>未覆盖客户</translation>
    </message>
</context>
<context>
    <name>FollowUpModel</name>
    <message>
        <source>Follow-up</source>
        <translation>待办事项</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>From</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>no due date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>This visit</source>
        <translation>本次拜访</translation>
    </message>
    <message>
        <source>Earlier</source>
        <translation>以前</translation>
    </message>
</context>
<context>
    <name>FollowUpPanel</name>
    <message>
        <source>New follow-up</source>
        <translation>新建待办</translation>
    </message>
    <message>
        <source>Edit follow-up</source>
        <translation>编辑待办</translation>
    </message>
    <message>
        <source>Say what has to be done.</source>
        <translation>请填写需要做的事。</translation>
    </message>
    <message>
        <source>Proposed from failed items</source>
        <translation>根据不合格项建议的待办</translation>
    </message>
    <message>
        <source>Each failed checklist item suggests a follow-up. Adjust the text or due date and confirm it, or dismiss it.</source>
        <translation>每个不合格项都会建议一条待办。可修改内容或截止日期后确认，也可忽略。</translation>
    </message>
    <message>
        <source>Follow-ups of this customer</source>
        <translation>该客户的待办</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Mark done</source>
        <translation>标记完成</translation>
    </message>
    <message>
        <source>Cancel follow-up</source>
        <translation>取消待办</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>No due date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>Who does it (user id)</source>
        <translation>由谁负责（用户 ID）</translation>
    </message>
    <message>
        <source>e.g. bring the new price tags</source>
        <translation>例如：送新版价签</translation>
    </message>
    <message>
        <source>Save follow-up</source>
        <translation>保存待办</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>LeadOps</name>
    <message>
        <source>Sign in as a team lead to review visits.</source>
        <translation>请以组长身份登录后再审核拜访。</translation>
    </message>
</context>
<context>
    <name>LeadWorkspace</name>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Assessment</source>
        <translation>考核</translation>
    </message>
    <message>
        <source>AB cover</source>
        <translation>AB角</translation>
    </message>
    <message>
        <source>Export ledgers…</source>
        <translation>导出台账…</translation>
    </message>
    <message>
        <source>The team workspace is for team leads. Sign in with a lead account to review your team&apos;s visits, see the assessment and arrange AB cover.</source>
        <translation>团队工作台供组长使用。请用组长账号登录，审核团队的拜访、查看考核并安排AB角。</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Enter your user name and password.</source>
        <extracomment>the login result — signed in; the dialog has closed the keyring check came back (tests wait on it) a sign-in attempt failed; the message shown</extracomment>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>No secure password store (keyring) is usable on this computer ({detail}). Your sign-in will be kept in memory only: FieldApp will ask for your password again the next time it starts.</source>
        <translation>这台电脑没有可用的安全密码库 keyring（{detail}）。登录凭据只保存在内存中：下次启动 FieldApp 时需要重新输入密码。</translation>
    </message>
    <message>
        <source>Could not sign in: {error}</source>
        <translation>无法登录：{error}</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Sign in to the sync server</source>
        <translation>登录同步服务器</translation>
    </message>
    <message>
        <source>Your visits and customer changes are sent to the server, and your team&apos;s changes come back. Until you sign in, everything stays on this laptop.</source>
        <translation>您的拜访记录和客户修改会发送到服务器，团队的更新也会同步回来。登录之前，所有数据只保存在本机。</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Set by IT</source>
        <translation>由 IT 统一设置</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Profile: {path}</source>
        <translation>档案：{path}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln change(s) waiting to sync</source>
        <translation>
            <numerusform>%Ln 项修改等待同步</numerusform>
        </translation>
    </message>
    <message>
        <source>Visit (in progress)</source>
        <extracomment>a profile status query finished (tests wait on it) the visit in progress was looked up at start (True: one was found and shown)</extracomment>
        <translation>拜访（进行中）</translation>
    </message>
    <message>
        <source>Visit in progress: {store}</source>
        <translation>正在拜访：{store}</translation>
    </message>
    <message>
        <source>Go to the visit</source>
        <translation>转到拜访</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>A sync is already running.</source>
        <translation>已有同步正在进行。</translation>
    </message>
    <message>
        <source>Sync stopped. It continues from there next time.</source>
        <translation>同步已停止，下次将从停止处继续。</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>登录…</translation>
    </message>
    <message>
        <source>Review conflicts…</source>
        <translation>处理同步冲突…</translation>
    </message>
    <message>
        <source>Stop sync</source>
        <translation>停止同步</translation>
    </message>
    <message>
        <source>Signed in as {name}. Syncing…</source>
        <translation>已登录：{name}。正在同步…</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Sign out of the sync server? Changes waiting to sync stay on this laptop and are sent after you sign in again.</source>
        <translation>要退出同步服务器的登录吗？等待同步的修改会保留在本机，重新登录后再发送。</translation>
    </message>
    <message>
        <source>Signed in as {user} at {server}.</source>
        <translation>已以 {user} 身份登录 {server}。</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Set by IT</source>
        <translation>由 IT 统一设置</translation>
    </message>
    <message>
        <source>Problem in the settings: {problem}</source>
        <translation>设置有问题：{problem}</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Some settings could not be used. FieldApp works with safe defaults for them.</source>
        <translation>部分设置无法使用，FieldApp 已改用安全的默认值。</translation>
    </message>
    <message>
        <source>Tell IT if a machine-wide settings file is named below.</source>
        <translation>如果下面提到的是全机设置文件，请告知 IT。</translation>
    </message>
    <message>
        <source>About FieldApp</source>
        <translation>关于 FieldApp</translation>
    </message>
    <message>
        <source>&lt;h3&gt;FieldApp {version}&lt;/h3&gt;&lt;p&gt;Customer files, visits and sync for field account managers — works offline.&lt;/p&gt;&lt;p&gt;Data folder:&lt;br&gt;&lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</source>
        <translation>&lt;h3&gt;FieldApp 外勤助手 {version}&lt;/h3&gt;&lt;p&gt;为客户经理提供客户档案、拜访记录与数据同步——离线也能用。&lt;/p&gt;&lt;p&gt;数据文件夹：&lt;br&gt;&lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>FieldApp Field Assistant</source>
        <translation>FieldApp 外勤助手</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <source>S&amp;ync</source>
        <translation>同步(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;New customer</source>
        <translation>新建客户(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Delete customer…</source>
        <translation>删除客户(&amp;D)…</translation>
    </message>
    <message>
        <source>Start &amp;visit</source>
        <translation>开始拜访(&amp;V)</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Start visit</source>
        <translation>开始拜访</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Start a visit at the customer shown</source>
        <translation>在当前客户处开始拜访</translation>
    </message>
    <message>
        <source>Send your changes and receive the server&apos;s (F9)</source>
        <translation>发送本机修改并接收服务器的更新（F9）</translation>
    </message>
    <message>
        <source>Load &amp;demo data…</source>
        <translation>载入示例数据(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Find customer</source>
        <translation>查找客户(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Show &amp;toolbar</source>
        <translation>显示工具栏(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;About FieldApp</source>
        <translation>关于 FieldApp(&amp;A)</translation>
    </message>
    <message>
        <source>Sync &amp;now</source>
        <translation>立即同步(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Stop sync</source>
        <translation>停止同步(&amp;S)</translation>
    </message>
    <message>
        <source>Review &amp;conflicts…</source>
        <translation>处理同步冲突(&amp;C)…</translation>
    </message>
    <message>
        <source>Sign &amp;in…</source>
        <translation>登录(&amp;I)…</translation>
    </message>
    <message>
        <source>Sign &amp;out…</source>
        <translation>退出登录(&amp;O)…</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Customers</source>
        <translation>客户档案(&amp;C)</translation>
    </message>
    <message>
        <source>Today&apos;s &amp;plan</source>
        <translation>今日计划(&amp;P)</translation>
    </message>
    <message>
        <source>V&amp;isit</source>
        <translation>拜访(&amp;I)</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>客户档案</translation>
    </message>
    <message>
        <source>Today&apos;s plan</source>
        <translation>今日计划</translation>
    </message>
    <message>
        <source>Customer file</source>
        <translation>档案信息</translation>
    </message>
    <message>
        <source>Visit history</source>
        <translation>拜访历史</translation>
    </message>
    <message>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <source>DEMO DATA</source>
        <translation>示例数据 DEMO</translation>
    </message>
    <message>
        <source>This profile holds made-up demo data. Do not enter real customers here.</source>
        <translation>此档案中是虚构的示例数据，请不要在此录入真实客户。</translation>
    </message>
    <message>
        <source>Settings problem</source>
        <translation>设置有问题</translation>
    </message>
    <message>
        <source>A settings file could not be used; click for details.</source>
        <translation>有设置文件无法使用，点击查看详情。</translation>
    </message>
</context>
<context>
    <name>NotesPanel</name>
    <message>
        <source>Needs</source>
        <translation>需求</translation>
    </message>
    <message>
        <source>Concerns and doubts</source>
        <translation>顾虑与疑惑</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Market information</source>
        <translation>市场信息</translation>
    </message>
    <message>
        <source>Abnormalities</source>
        <translation>异常情况</translation>
    </message>
    <message>
        <source>Advice given</source>
        <translation>给出的建议</translation>
    </message>
    <message>
        <source>Other notes</source>
        <translation>其他记录</translation>
    </message>
    <message>
        <source>What the retailer wants: brands, allocation, display material, ordering help…</source>
        <translation>零售户的需求：品规、货源、陈列物料、订货帮助…</translation>
    </message>
    <message>
        <source>What worries or puzzles them: prices, policy, supply…</source>
        <translation>零售户的顾虑或疑问：价格、政策、货源…</translation>
    </message>
    <message>
        <source>Complaints about delivery, service, products… (an open complaint brings the store back onto the plan)</source>
        <translation>对送货、服务、产品等的投诉…（未处理的投诉会使该店重新列入拜访计划）</translation>
    </message>
    <message>
        <source>Competitor prices, stock-outs, new shops nearby…</source>
        <translation>竞品价格、断货、附近新开店铺…</translation>
    </message>
    <message>
        <source>Store closed, licence transferred, suspicious orders…</source>
        <translation>停业、许可证转让、可疑订单…</translation>
    </message>
    <message>
        <source>What you advised: brand structure, display, sales analysis…</source>
        <translation>给出的建议：品牌结构、陈列、销售分析…</translation>
    </message>
    <message>
        <source>Anything else worth keeping for the next visit</source>
        <translation>其他值得下次拜访参考的内容</translation>
    </message>
    <message>
        <source>Everything is saved as you type, also after check-out.</source>
        <translation>输入即自动保存，签退后仍可补充。</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <source>Something went wrong: {error}

Your other data is safe. If this happens again, please tell IT.</source>
        <extracomment>Emitted on the UI thread after a job&apos;s callbacks ran (or were skipped). Tests wait on it. (OpChanges, initiator) — emitted on the UI thread after a CollectionOp succeeded.</extracomment>
        <translation>操作失败：{error}

您的其他数据是安全的。如果再次出现，请告诉 IT 人员。</translation>
    </message>
</context>
<context>
    <name>Period</name>
    <message>
        <source>{iso_year}-W{week:02d} ({start} – {end})</source>
        <translation>{iso_year} 年第 {week:02d} 周（{start} – {end}）</translation>
    </message>
    <message>
        <source>{year}-{month:02d}</source>
        <translation>{year} 年 {month:02d} 月</translation>
    </message>
    <message>
        <source>{year}-{month:02d} first ten days</source>
        <translation>{year} 年 {month:02d} 月上旬</translation>
    </message>
    <message>
        <source>{year}-{month:02d} middle ten days</source>
        <translation>{year} 年 {month:02d} 月中旬</translation>
    </message>
    <message>
        <source>{year}-{month:02d} last ten days</source>
        <translation>{year} 年 {month:02d} 月下旬</translation>
    </message>
    <message>
        <source>W{week:02d}</source>
        <translation>第 {week:02d} 周</translation>
    </message>
    <message>
        <source>{month:02d} early</source>
        <translation>{month:02d} 月上旬</translation>
    </message>
    <message>
        <source>{month:02d} mid</source>
        <translation>{month:02d} 月中旬</translation>
    </message>
    <message>
        <source>{month:02d} late</source>
        <translation>{month:02d} 月下旬</translation>
    </message>
</context>
<context>
    <name>Photo</name>
    <message>
        <source>The file {name} could not be read ({detail}).</source>
        <extracomment>Pillow format -&gt; (MIME type, file extension). Anything else is refused. Images with more pixels than this are refused (a decompression bomb, or no photo a laptop should hold). Below Pillow&apos;s own bomb warning threshold (about 89 megapixels).</extracomment>
        <translation>无法读取文件 {name}（{detail}）。</translation>
    </message>
    <message>
        <source>The photo is {size} MB; photos can be at most {max} MB. Take it again at a lower resolution or shrink it before attaching it.</source>
        <translation>照片大小为 {size} MB，最大允许 {max} MB。请用较低分辨率重拍，或压缩后再添加。</translation>
    </message>
    <message>
        <source>The file is empty; it is not a photo.</source>
        <translation>文件是空的，不是照片。</translation>
    </message>
    <message>
        <source>This file is not a readable image (it may be damaged, or in a format FieldApp cannot show). Attach a JPEG or PNG photo.</source>
        <translation>该文件不是可读取的图片（可能已损坏，或格式不受支持）。请添加 JPEG 或 PNG 照片。</translation>
    </message>
    <message>
        <source>The image has {megapixels} megapixels; at most {max} are accepted.</source>
        <translation>图片有 {megapixels} 百万像素，最多允许 {max} 百万像素。</translation>
    </message>
    <message>
        <source>The photo could not be saved in {folder} ({detail}). Check the free disk space.</source>
        <translation>照片无法保存到 {folder}（{detail}）。请检查磁盘剩余空间。</translation>
    </message>
    <message>
        <source>The visit of this photo no longer exists.</source>
        <translation>该照片所属的拜访已不存在。</translation>
    </message>
    <message>
        <source>The checklist of this visit has no item &apos;{key}&apos;.</source>
        <translation>本次拜访的检查表中没有“{key}”这一项。</translation>
    </message>
</context>
<context>
    <name>PhotoThumb</name>
    <message>
        <source>Open photo</source>
        <translation>打开照片</translation>
    </message>
    <message>
        <source>Remove photo</source>
        <translation>删除照片</translation>
    </message>
</context>
<context>
    <name>PlanModel</name>
    <message>
        <source>Store</source>
        <extracomment>(customer id, new index): the user dragged a row</extracomment>
        <translation>店名</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Why this visit</source>
        <translation>拜访原因</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Visited today without being on the plan.</source>
        <translation>今日已拜访（不在计划内）。</translation>
    </message>
    <message>
        <source>Checked in at {time}</source>
        <translation>{time} 签到</translation>
    </message>
    <message>
        <source>Visited · {score}</source>
        <translation>已拜访 · {score} 分</translation>
    </message>
    <message>
        <source>Visited</source>
        <translation>已拜访</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>拜访中</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新增</translation>
    </message>
</context>
<context>
    <name>PlanView</name>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>{day} {date} ({count})</source>
        <translation>{day} {date}（{count}）</translation>
    </message>
    <message>
        <source>{weekday} {date}</source>
        <translation>{date} {weekday}</translation>
    </message>
    <message>
        <source>{count} visits planned</source>
        <translation>计划拜访 {count} 家</translation>
    </message>
    <message>
        <source>{done} done</source>
        <translation>已完成 {done} 家</translation>
    </message>
    <message>
        <source>route {km} km over {stops} stops in this order</source>
        <translation>按此顺序共 {stops} 站，路程 {km} 公里</translation>
    </message>
    <message>
        <source>no route: store positions unknown</source>
        <translation>无法规划路线：店铺位置未知</translation>
    </message>
    <message>
        <source>your own order</source>
        <translation>已按您的调整</translation>
    </message>
    <message>
        <source>{count} more customers are due but did not fit into the days.</source>
        <translation>另有 {count} 家客户应拜访，但已超出每日拜访上限。</translation>
    </message>
    <message>
        <source>Nothing planned for this day.
Add a customer by hand if you mean to visit one.</source>
        <translation>当天没有计划拜访。
如需拜访，可手动添加客户。</translation>
    </message>
    <message>
        <source>Visited · {score}</source>
        <translation>已拜访 · {score} 分</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>拜访中</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Resume visit</source>
        <translation>继续拜访</translation>
    </message>
    <message>
        <source>Start visit</source>
        <translation>开始拜访</translation>
    </message>
    <message>
        <source>Visit plan</source>
        <translation>拜访计划</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>Order as route</source>
        <translation>按路线排序</translation>
    </message>
    <message>
        <source>Reorder the visits not made yet into the shortest route found</source>
        <translation>将尚未拜访的客户按最短路线重新排序</translation>
    </message>
    <message>
        <source>Add customer…</source>
        <translation>添加客户…</translation>
    </message>
    <message>
        <source>Back to generated plan</source>
        <translation>恢复系统计划</translation>
    </message>
    <message>
        <source>Forget your changes to this day and show the generated plan</source>
        <translation>放弃对当天计划的调整，恢复系统生成的计划</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Drop from plan</source>
        <translation>移出计划</translation>
    </message>
    <message>
        <source>Drag a row to change the order of the visits</source>
        <translation>拖动行可调整拜访顺序</translation>
    </message>
</context>
<context>
    <name>Planning</name>
    <message>
        <source>Orders fell to {last} cartons in {month}, against an average of {avg} over the previous {months} months ({percent}%).</source>
        <extracomment>A licence expiring within this many days (or already expired) pulls the customer forward. Items failed at the last visit are rechecked this many days after it (unless the cadence is sooner). Orders of the last complete month strictly below this percentage of the customer&apos;s own average warn. The average is taken over this many months before the last complete month... ...and needs at least this many of them on record (a new store has no &quot;normal&quot; yet). Customers averaging fewer cartons than this are too small for the drop to mean anything. Nothing is planned sooner than this many days after the last visit (1: not twice on one day). Monday = 0 ... Sunday = 6. If no day of the horizon is a working day, every day is used.</extracomment>
        <translation>{month} 订货降至 {last} 条，前 {months} 个月平均 {avg} 条（{percent}%）。</translation>
    </message>
    <message>
        <source>A complaint is still open: hear the retailer out in person.</source>
        <translation>有投诉尚未处理：请当面听取零售户意见。</translation>
    </message>
    <message>
        <source>Licence expired on {date}: the store may not sell tobacco until it is renewed.</source>
        <translation>许可证已于 {date} 到期：续办前不得销售卷烟。</translation>
    </message>
    <message>
        <source>Licence expires today ({date}): help the retailer renew it.</source>
        <translation>许可证今天（{date}）到期：请协助零售户办理延续。</translation>
    </message>
    <message>
        <source>Licence expires tomorrow ({date}): help the retailer renew it.</source>
        <translation>许可证明天（{date}）到期：请协助零售户办理延续。</translation>
    </message>
    <message>
        <source>Licence expires on {date} (in {days} days): help the retailer renew it.</source>
        <translation>许可证将于 {date} 到期（还有 {days} 天）：请协助零售户办理延续。</translation>
    </message>
    <message>
        <source>No visit on record (class {klass}: every {interval} days).</source>
        <translation>暂无拜访记录（{klass} 类：每 {interval} 天一次）。</translation>
    </message>
    <message>
        <source>Overdue by 1 day (class {klass}: every {interval} days; last visit {last}).</source>
        <translation>已逾期 1 天（{klass} 类：每 {interval} 天一次；上次拜访 {last}）。</translation>
    </message>
    <message>
        <source>Overdue by {days} days (class {klass}: every {interval} days; last visit {last}).</source>
        <translation>已逾期 {days} 天（{klass} 类：每 {interval} 天一次；上次拜访 {last}）。</translation>
    </message>
    <message>
        <source>Regular visit due on {date} (class {klass}: every {interval} days).</source>
        <translation>{date} 应例行拜访（{klass} 类：每 {interval} 天一次）。</translation>
    </message>
    <message>
        <source>Failed at the last visit ({date}): {items}. Check they are put right.</source>
        <translation>上次拜访（{date}）不合格：{items}。请复查是否已整改。</translation>
    </message>
    <message>
        <source>Open follow-ups: {count}; one has been overdue since {date}.</source>
        <translation>未完成待办 {count} 条，其中一条自 {date} 起逾期。</translation>
    </message>
    <message>
        <source>Open follow-ups: {count}; the first is due on {date}.</source>
        <translation>未完成待办 {count} 条，最早一条 {date} 截止。</translation>
    </message>
    <message>
        <source>Open follow-ups: {count}, none due yet.</source>
        <translation>未完成待办 {count} 条，均未到期。</translation>
    </message>
    <message>
        <source>Added by hand: {note}</source>
        <translation>手动添加：{note}</translation>
    </message>
    <message>
        <source>Added by hand.</source>
        <translation>手动添加。</translation>
    </message>
</context>
<context>
    <name>PreparePanel</name>
    <message>
        <source>Tags:</source>
        <translation>标签：</translation>
    </message>
    <message>
        <source>Needs:</source>
        <translation>需求：</translation>
    </message>
    <message>
        <source>Notes:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <source>From the customer file</source>
        <translation>客户档案摘要</translation>
    </message>
    <message>
        <source>Before you go in</source>
        <translation>拜访准备</translation>
    </message>
    <message>
        <source>Open follow-ups</source>
        <translation>未完成待办</translation>
    </message>
    <message>
        <source>Failed at the last visit</source>
        <translation>上次拜访不合格项</translation>
    </message>
    <message>
        <source>No earlier visit on record: this is the first one.</source>
        <translation>暂无拜访记录：这是首次拜访。</translation>
    </message>
    <message>
        <source>Last visit {date}: {type}, score {score} ({count} visits on record)</source>
        <translation>上次拜访 {date}：{type}，得分 {score}（共拜访 {count} 次）</translation>
    </message>
    <message>
        <source>Open follow-ups ({count})</source>
        <translation>未完成待办（{count}）</translation>
    </message>
    <message>
        <source>overdue since {date}</source>
        <translation>自 {date} 起逾期</translation>
    </message>
    <message>
        <source>due {date}</source>
        <translation>{date} 截止</translation>
    </message>
    <message>
        <source>no due date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <source>Failed at the last visit ({count})</source>
        <translation>上次拜访不合格项（{count}）</translation>
    </message>
</context>
<context>
    <name>ProposalRow</name>
    <message>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>What has to be done</source>
        <translation>需要做的事</translation>
    </message>
</context>
<context>
    <name>Review</name>
    <message>
        <source>&apos;{action}&apos; is not a review action.</source>
        <extracomment>action -&gt; (status after it, statuses it may follow). ``None``: the status does not change. Which actors may record which action.</extracomment>
        <translation>“{action}”不是审核操作。</translation>
    </message>
    <message>
        <source>This visit is still in progress; it can be reviewed after check-out.</source>
        <translation>该拜访尚未签退，签退后才能审核。</translation>
    </message>
    <message>
        <source>Only a lead of the manager&apos;s team can approve or return a visit.</source>
        <translation>只有该客户经理所在团队的组长可以通过或退回拜访。</translation>
    </message>
    <message>
        <source>Only the visit&apos;s account manager can resubmit it.</source>
        <translation>只有该拜访的客户经理可以重新提交。</translation>
    </message>
    <message>
        <source>Only the visit&apos;s account manager or a lead of their team can comment on it.</source>
        <translation>只有该拜访的客户经理或其团队组长可以评论。</translation>
    </message>
    <message>
        <source>You cannot approve or return your own visit.</source>
        <translation>不能通过或退回自己的拜访。</translation>
    </message>
    <message>
        <source>Say why the visit is returned, so the manager knows what to correct.</source>
        <translation>请填写退回原因，让客户经理知道要改什么。</translation>
    </message>
    <message>
        <source>The comment is empty. Write something first.</source>
        <translation>评论为空，请先填写内容。</translation>
    </message>
    <message>
        <source>The text is {length} characters long; shorten it to {max} or less.</source>
        <translation>内容有 {length} 个字，请缩短到 {max} 字以内。</translation>
    </message>
    <message>
        <source>Only a returned visit can be resubmitted; this one is {status}.</source>
        <translation>只有被退回的拜访才能重新提交；该拜访当前为“{status}”。</translation>
    </message>
    <message>
        <source>This visit is already approved.</source>
        <translation>该拜访已通过。</translation>
    </message>
    <message>
        <source>This visit is already returned; wait for the manager to resubmit it.</source>
        <translation>该拜访已退回，请等待客户经理重新提交。</translation>
    </message>
    <message>
        <source>This visit no longer exists on this laptop.</source>
        <extracomment>Local state of an event: the server has it / waiting to be sent / the server refused it.</extracomment>
        <translation>本机上已没有这次拜访。</translation>
    </message>
</context>
<context>
    <name>ReviewQueueModel</name>
    <message>
        <source>Check-in</source>
        <translation>签到时间</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>Failed items</source>
        <translation>不合格项</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
</context>
<context>
    <name>ReviewView</name>
    <message>
        <source>Manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Check-in</source>
        <translation>签到日期</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>All managers</source>
        <translation>全部客户经理</translation>
    </message>
    <message>
        <source>Visits: {count}</source>
        <translation>共 {count} 次拜访</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>server_url must be text, e.g. &quot;https://sync.example.com&quot;</source>
        <translation>server_url 必须是文本，例如 &quot;https://sync.example.com&quot;</translation>
    </message>
    <message>
        <source>server_url {value!r} is not a URL</source>
        <translation>server_url {value!r} 不是网址</translation>
    </message>
    <message>
        <source>server_url {value!r} is not an https:// URL with a host name</source>
        <translation>server_url {value!r} 不是带主机名的 https:// 网址</translation>
    </message>
    <message>
        <source>server_url must not contain a user name or password</source>
        <translation>server_url 中不能包含用户名或密码</translation>
    </message>
    <message>
        <source>server_url {value!r} must not have a query (?) or fragment (#)</source>
        <translation>server_url {value!r} 不能包含查询参数（?）或片段（#）</translation>
    </message>
    <message>
        <source>server_url {value!r} is not encrypted: use https://</source>
        <translation>server_url {value!r} 未加密：请使用 https://</translation>
    </message>
    <message>
        <source>server_url {value!r} is plain http: use https://, or set allow_http_localhost = true for a server on this machine</source>
        <translation>server_url {value!r} 是明文 http：请使用 https://；如果服务器就在本机，可设置 allow_http_localhost = true</translation>
    </message>
    <message>
        <source>ca_bundle must be the path of a PEM file</source>
        <translation>ca_bundle 必须是 PEM 文件的路径</translation>
    </message>
    <message>
        <source>ca_bundle file {path} does not exist</source>
        <translation>ca_bundle 文件 {path} 不存在</translation>
    </message>
    <message>
        <source>sync_interval_minutes must be a whole number from 0 (no automatic sync) to {max}, not {value!r}</source>
        <translation>sync_interval_minutes 必须是 0（不自动同步）到 {max} 之间的整数，而不是 {value!r}</translation>
    </message>
    <message>
        <source>language must be one of {choices}, not {value!r}</source>
        <translation>language 必须是 {choices} 之一，而不是 {value!r}</translation>
    </message>
    <message>
        <source>{key} must be true or false, not {value!r}</source>
        <translation>{key} 必须是 true 或 false，而不是 {value!r}</translation>
    </message>
    <message>
        <source>unknown setting {key!r}</source>
        <translation>未知设置项 {key!r}</translation>
    </message>
    <message>
        <source>{where}: cannot read the settings file ({detail}); using the defaults instead</source>
        <translation>{where}：无法读取设置文件（{detail}），改用默认设置</translation>
    </message>
    <message>
        <source>{where}: syntax error in the settings file ({detail}); the whole file is ignored and the defaults are used</source>
        <translation>{where}：设置文件有语法错误（{detail}），整个文件被忽略，改用默认设置</translation>
    </message>
    <message>
        <source>{where}: &quot;locked&quot; only has an effect in the machine-wide settings file; ignored</source>
        <translation>{where}：“locked”只在全机设置文件中有效，已忽略</translation>
    </message>
    <message>
        <source>{where}: unknown setting {key!r} ignored (known: {known})</source>
        <translation>{where}：已忽略未知设置项 {key!r}（可用的设置项：{known}）</translation>
    </message>
    <message>
        <source>{where}: {problem}; using {fallback} instead</source>
        <translation>{where}：{problem}；改用 {fallback}</translation>
    </message>
    <message>
        <source>{where}: locked must be a list of setting names, e.g. locked = [&quot;server_url&quot;]; locking all settings instead</source>
        <translation>{where}：locked 必须是设置项名称的列表，例如 locked = [&quot;server_url&quot;]；现改为锁定全部设置</translation>
    </message>
    <message>
        <source>{where}: locked names an unknown setting {key!r}; ignored</source>
        <translation>{where}：locked 中的设置项 {key!r} 不存在，已忽略</translation>
    </message>
    <message>
        <source>The setting {key} is managed by your IT department ({path}) and cannot be changed here.</source>
        <translation>设置项 {key} 由 IT 部门统一管理（{path}），不能在此修改。</translation>
    </message>
    <message>
        <source>{where}: plain-http server_url is not allowed by {managed}; ignored</source>
        <translation>{where}：{managed} 不允许明文 http 的 server_url，已忽略</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Could not save the settings: {error}</source>
        <extracomment>(Settings, language: &quot;zh_CN&quot; | &quot;en&quot; | &quot;&quot; for the system&apos;s) — saved; the dialog has closed the message shown — saving failed</extracomment>
        <translation>无法保存设置：{error}</translation>
    </message>
    <message>
        <source>CA bundle (PEM file from IT)</source>
        <translation>CA 证书（IT 提供的 PEM 文件）</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer)</source>
        <translation>证书 (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Display</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Server address:</source>
        <translation>服务器地址：</translation>
    </message>
    <message>
        <source>CA bundle:</source>
        <translation>CA 证书：</translation>
    </message>
    <message>
        <source>Sync automatically every:</source>
        <translation>自动同步间隔：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>the system&apos;s certificates</source>
        <translation>使用系统证书</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>only when I click Sync now</source>
        <translation>仅在点击“立即同步”时</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Set by IT</source>
        <translation>由 IT 统一设置</translation>
    </message>
    <message>
        <source>Default from IT; you can change it.</source>
        <translation>IT 提供的默认值，可以修改。</translation>
    </message>
    <message>
        <source>Settings marked “Set by IT” are managed by your IT department in {path} and cannot be changed here.</source>
        <translation>标有“由 IT 统一设置”的项目由 IT 部门在 {path} 中管理，无法在此修改。</translation>
    </message>
    <message>
        <source>Problems found in the settings files (safe defaults are used instead):</source>
        <translation>设置文件中发现问题（已改用安全的默认值）：</translation>
    </message>
</context>
<context>
    <name>Sync</name>
    <message>
        <source>This profile holds the data of {owner} on {server}. Signing in as {user} here would mix two people&apos;s data: use another data folder (--data-dir) for {user}.</source>
        <translation>此档案保存的是 {owner} 在 {server} 上的数据。在这里以 {user} 登录会混淆两个人的数据：请为 {user} 使用另一个数据文件夹（--data-dir）。</translation>
    </message>
    <message>
        <source>This profile holds made-up demo data, which must never reach the server. Sign in with a separate data folder (--data-dir) for your real work.</source>
        <translation>此档案是虚构的示例数据，绝不能发送到服务器。请为真实工作使用单独的数据文件夹（--data-dir）登录。</translation>
    </message>
    <message>
        <source>No secure password store (keyring) is available on this computer ({detail}). Your sign-in is kept in memory only: you will have to sign in again after FieldApp restarts.</source>
        <translation>本机没有可用的安全密码库（keyring）（{detail}）。登录信息只保存在内存中：FieldApp 重启后需要重新登录。</translation>
    </message>
    <message>
        <source>Cannot reach the sync server at {url} ({detail}). Your changes are kept on this laptop and will be sent later.</source>
        <translation>无法连接同步服务器 {url}（{detail}）。您的修改保存在本机，稍后会发送。</translation>
    </message>
    <message>
        <source>The server&apos;s certificate could not be verified ({detail}). Ask IT for the CA bundle and sign in again with --ca-bundle.</source>
        <translation>无法验证服务器证书（{detail}）。请向 IT 人员索取 CA 证书包，并用 --ca-bundle 重新登录。</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Sign in again to sync; your changes are kept on this laptop.</source>
        <translation>登录已过期。请重新登录以同步；您的修改保存在本机。</translation>
    </message>
    <message>
        <source>Not signed in to {url}. Sign in to sync (fieldapp login).</source>
        <translation>尚未登录 {url}。请登录后同步（fieldapp login）。</translation>
    </message>
    <message>
        <source>The server refused this sign-in ({detail}). Ask your administrator; your changes are kept on this laptop.</source>
        <translation>服务器拒绝了此次登录（{detail}）。请联系管理员；您的修改保存在本机。</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Too many attempts. Wait a moment and try again ({detail}).</source>
        <translation>尝试次数过多。请稍候再试（{detail}）。</translation>
    </message>
    <message>
        <source>This FieldApp is too old for the sync server. Update FieldApp to sync; your changes are kept on this laptop.</source>
        <translation>此 FieldApp 版本过旧，无法与同步服务器同步。请更新 FieldApp；您的修改保存在本机。</translation>
    </message>
    <message>
        <source>The sync server is older than this FieldApp. Ask IT to update the server; your changes are kept on this laptop.</source>
        <translation>同步服务器的版本比此 FieldApp 旧。请联系 IT 人员更新服务器；您的修改保存在本机。</translation>
    </message>
    <message>
        <source>The sync server had a problem ({detail}). It will be tried again later; your changes are kept.</source>
        <translation>同步服务器出现问题（{detail}）。稍后会重试；您的修改已保留。</translation>
    </message>
    <message>
        <source>The sync server refused the request ({detail}).</source>
        <translation>同步服务器拒绝了请求（{detail}）。</translation>
    </message>
    <message>
        <source>Not allowed for this user ({detail}).</source>
        <translation>该用户无此权限（{detail}）。</translation>
    </message>
    <message>
        <source>Sync cancelled. It will continue from where it stopped.</source>
        <translation>同步已取消，下次将从中断处继续。</translation>
    </message>
    <message>
        <source>No sync server is set up for this profile. Sign in first: fieldapp login --server URL --user NAME</source>
        <translation>此档案尚未设置同步服务器。请先登录：fieldapp login --server 网址 --user 用户名</translation>
    </message>
    <message>
        <source>This record is a refused change, not a conflict: it can only be dismissed.</source>
        <translation>这条记录是被服务器拒绝的修改，不是冲突：只能忽略它。</translation>
    </message>
    <message>
        <source>No such conflict on this laptop.</source>
        <translation>本机上没有这个冲突。</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <source>The sync server address changed to {url}. Sign in to it to sync.</source>
        <translation>同步服务器地址已改为 {url}，请登录该服务器后再同步。</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>Demo data: not synced</source>
        <translation>示例数据：不同步</translation>
    </message>
    <message>
        <source>Stopping sync…</source>
        <translation>正在停止同步…</translation>
    </message>
    <message>
        <source>Syncing {percent}%</source>
        <translation>正在同步 {percent}%</translation>
    </message>
    <message>
        <source>Syncing… {count} received</source>
        <translation>正在同步… 已接收 {count} 项</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>conflicts ({count})</source>
        <translation>冲突（{count}）</translation>
    </message>
    <message>
        <source>sign in again</source>
        <translation>请重新登录</translation>
    </message>
    <message>
        <source>update FieldApp</source>
        <translation>请更新 FieldApp</translation>
    </message>
    <message>
        <source>server too old</source>
        <translation>服务器版本过旧</translation>
    </message>
    <message>
        <source>certificate problem</source>
        <translation>证书有问题</translation>
    </message>
    <message>
        <source>sync failed</source>
        <translation>同步失败</translation>
    </message>
    <message>
        <source>Needs attention: {reason}</source>
        <translation>需要处理：{reason}</translation>
    </message>
    <message>
        <source>Server unavailable</source>
        <translation>服务器不可用</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Last synced {time}</source>
        <translation>上次同步 {time}</translation>
    </message>
    <message>
        <source>Synced {time}</source>
        <translation>已同步 {time}</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Signed in as {user} at {server}.</source>
        <translation>已以 {user} 身份登录 {server}。</translation>
    </message>
    <message>
        <source>This profile is not signed in to a sync server: your work stays on this laptop. Sign in to send it and receive your team&apos;s changes.</source>
        <translation>此档案尚未登录同步服务器：您的工作只保存在本机。登录后即可发送，并接收团队的更新。</translation>
    </message>
    <message>
        <source>This profile holds made-up demo data, which is never synced.</source>
        <translation>此档案是虚构的示例数据，永远不会同步。</translation>
    </message>
    <message>
        <source>Sending your changes and receiving the server&apos;s. You can keep working meanwhile.</source>
        <translation>正在发送本机修改并接收服务器的更新，您可以继续工作。</translation>
    </message>
    <message>
        <source>Some of your changes met changes made by someone else, or were refused by the server. Both versions are kept: open the conflicts to choose.</source>
        <translation>您的部分修改与他人的修改冲突，或被服务器拒绝。两个版本都已保留：请打开冲突列表进行选择。</translation>
    </message>
    <message>
        <source>The sync server cannot be reached.</source>
        <translation>无法连接同步服务器。</translation>
    </message>
    <message>
        <source>FieldApp keeps trying and syncs as soon as the server answers.</source>
        <translation>FieldApp 会自动重试，服务器一有响应就同步。</translation>
    </message>
    <message>
        <source>Last successful sync: {time}.</source>
        <translation>上次成功同步：{time}。</translation>
    </message>
    <message>
        <source> (kept safely on this laptop).</source>
        <translation>（已安全保存在本机）。</translation>
    </message>
    <message>
        <source>Conflicts to review: {count}.</source>
        <translation>待处理冲突：{count} 个。</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Click for details and actions.</source>
        <translation>点击查看详情和可执行的操作。</translation>
    </message>
    <message>
        <source>Stop the sync (it continues from there next time)</source>
        <translation>停止同步（下次从停止处继续）</translation>
    </message>
    <message>
        <source>Saved on this laptop; sent to the server by the next sync.</source>
        <translation>已保存在本机，下次同步时发送到服务器。</translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>The customer code {code} is already used by {store}. Each customer needs its own code.</source>
        <translation>客户编码 {code} 已被“{store}”使用，每个客户的编码必须唯一。</translation>
    </message>
    <message>
        <source>&apos;{value}&apos; is not a date. Use the form YYYY-MM-DD, e.g. 2027-06-30.</source>
        <translation>“{value}”不是日期。请按 YYYY-MM-DD 格式填写，例如 2027-06-30。</translation>
    </message>
    <message>
        <source>&apos;{value}&apos; is not a whole number. Enter a grade from {min} to {max}.</source>
        <translation>“{value}”不是整数。请填写 {min} 到 {max} 之间的档位。</translation>
    </message>
    <message>
        <source>&apos;{value}&apos; is not a number. Enter decimal degrees, e.g. 28.1234.</source>
        <translation>“{value}”不是数字。请用十进制度数填写，例如 28.1234。</translation>
    </message>
    <message>
        <source>&apos;{value}&apos; is not one of the allowed choices. Pick one from the list.</source>
        <translation>“{value}”不是可选的值，请从列表中选择。</translation>
    </message>
    <message>
        <source>This field is required. Please fill it in.</source>
        <translation>此项为必填项，请填写。</translation>
    </message>
    <message>
        <source>Too long: {length} characters, at most {max} allowed. Please shorten it.</source>
        <translation>内容过长：{length} 个字符，最多允许 {max} 个，请缩短。</translation>
    </message>
    <message>
        <source>Use only letters, digits and &apos;-&apos; in the customer code.</source>
        <translation>客户编码只能包含字母、数字和“-”。</translation>
    </message>
    <message>
        <source>A licence number has 12 digits (6-digit area code, then a 6-digit serial); &apos;{value}&apos; does not. Copy it from the licence.</source>
        <translation>许可证号为 12 位数字（6 位行政区划代码加 6 位顺序号），“{value}”不符合。请照许可证原样填写。</translation>
    </message>
    <message>
        <source>&apos;{value}&apos; is not a phone number. Enter an 11-digit mobile (13812345678) or a landline with area code (0731-84561234).</source>
        <translation>“{value}”不是电话号码。请填写 11 位手机号（如 13812345678）或带区号的固定电话（如 0731-84561234）。</translation>
    </message>
    <message>
        <source>The grade must be a whole number from {min} to {max}.</source>
        <translation>档位必须是 {min} 到 {max} 之间的整数。</translation>
    </message>
    <message>
        <source>Enter both latitude and longitude, or neither.</source>
        <translation>请同时填写纬度和经度，或都不填。</translation>
    </message>
    <message>
        <source>Latitude must be between -90 and 90 degrees.</source>
        <translation>纬度必须在 -90 到 90 度之间。</translation>
    </message>
    <message>
        <source>Longitude must be between -180 and 180 degrees.</source>
        <translation>经度必须在 -180 到 180 度之间。</translation>
    </message>
    <message>
        <source>Enter the licence expiry date (YYYY-MM-DD).</source>
        <translation>请填写许可证到期日（YYYY-MM-DD）。</translation>
    </message>
    <message>
        <source>The licence expired on {date}. The store may not sell tobacco until it is renewed.</source>
        <translation>许可证已于 {date} 过期。换证之前该店不得销售卷烟。</translation>
    </message>
    <message>
        <source>At most {max} tags are allowed.</source>
        <translation>最多只能有 {max} 个标签。</translation>
    </message>
    <message>
        <source>The tag &apos;{tag}&apos; is longer than {max} characters.</source>
        <translation>标签“{tag}”超过了 {max} 个字符。</translation>
    </message>
    <message>
        <source>The backup manager must be someone other than the assigned manager.</source>
        <translation>B 角客户经理必须是负责客户经理以外的人。</translation>
    </message>
</context>
<context>
    <name>Visit</name>
    <message>
        <source>This visit no longer exists. It may have been discarded on this laptop or by a sync.</source>
        <extracomment>The structured fields of a visit note (拜访记录), in display order. Longest text kept in one note field (the form should stop typing there). Default due date of proposed follow-ups: this many days after check-out. &quot;Leave this field as it is&quot; for keyword arguments where ``None`` is a real value.</extracomment>
        <translation>这次拜访已不存在，可能已在本机或通过同步被放弃。</translation>
    </message>
    <message>
        <source>This visit was checked out at {time}; its checklist can no longer be changed.</source>
        <translation>这次拜访已于 {time} 签退，检查表不能再修改。</translation>
    </message>
    <message>
        <source>A visit at {store} is still in progress (checked in at {time}). Only one visit can be in progress at a time: check out of it or discard it first.</source>
        <translation>{store} 的拜访仍在进行中（{time} 签到）。同一时间只能进行一次拜访：请先签退或放弃该拜访。</translation>
    </message>
    <message>
        <source>This customer no longer exists; the visit cannot start.</source>
        <translation>该客户已不存在，无法开始拜访。</translation>
    </message>
    <message>
        <source>The checklist of this visit has no item &apos;{key}&apos;.</source>
        <translation>本次拜访的检查表中没有“{key}”这一项。</translation>
    </message>
    <message>
        <source>This visit was checked out at {time} and has not been returned for correction; its checklist can no longer be changed.</source>
        <translation>该拜访已于 {time} 签退且未被退回修改，检查项不能再更改。</translation>
    </message>
    <message>
        <source>Only the visit&apos;s account manager can correct it.</source>
        <translation>只有该拜访的客户经理可以修改。</translation>
    </message>
    <message>
        <source>This visit has not been returned for correction, so it cannot be changed.</source>
        <translation>该拜访未被退回修改，不能更改。</translation>
    </message>
    <message>
        <source>A follow-up needs a title: say what has to be done.</source>
        <translation>待办需要标题：请写明要做的事。</translation>
    </message>
    <message>
        <source>The follow-up title is {length} characters long; shorten it to {max} or less.</source>
        <translation>待办标题有 {length} 个字，请缩短到 {max} 个字以内。</translation>
    </message>
    <message>
        <source>The due date of the follow-up is not a date.</source>
        <translation>待办的截止日期不是有效日期。</translation>
    </message>
    <message>
        <source>This follow-up no longer exists.</source>
        <translation>该待办已不存在。</translation>
    </message>
    <message>
        <source>This visit was already checked out at {time}.</source>
        <translation>这次拜访已于 {time} 签退。</translation>
    </message>
    <message>
        <source>The working day already started at {time}.</source>
        <translation>今日已于 {time} 上班签到。</translation>
    </message>
    <message>
        <source>The working day has not been started, so it cannot be ended.</source>
        <translation>今日尚未上班签到，无法签退。</translation>
    </message>
    <message>
        <source>The visit at {store} is still in progress. Check out of it before ending the working day.</source>
        <translation>{store} 的拜访仍在进行中。请先签退该拜访，再下班签退。</translation>
    </message>
</context>
<context>
    <name>VisitDetailPanel</name>
    <message>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Return…</source>
        <translation>退回…</translation>
    </message>
    <message>
        <source>Comment…</source>
        <translation>评论…</translation>
    </message>
    <message>
        <source>Select a visit to review it.</source>
        <translation>请选择一次拜访进行审核。</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>{manager} (on behalf of {other})</source>
        <translation>{manager}（代{other}拜访）</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未记录</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Check-in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Check-out</source>
        <translation>签退</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>Checklist</source>
        <translation>检查项</translation>
    </message>
    <message>
        <source>No checklist.</source>
        <translation>无检查项。</translation>
    </message>
    <message>
        <source>not answered</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>需求</translation>
    </message>
    <message>
        <source>Concerns</source>
        <translation>关注问题</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Market information</source>
        <translation>市场信息</translation>
    </message>
    <message>
        <source>Abnormalities</source>
        <translation>异常情况</translation>
    </message>
    <message>
        <source>Advice given</source>
        <translation>经营建议</translation>
    </message>
    <message>
        <source>Other notes</source>
        <translation>其他记录</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>拜访记录</translation>
    </message>
    <message>
        <source>No notes.</source>
        <translation>无记录。</translation>
    </message>
    <message>
        <source>No photos.</source>
        <translation>无照片。</translation>
    </message>
    <message>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>Review history</source>
        <translation>审核记录</translation>
    </message>
    <message>
        <source>Not reviewed yet.</source>
        <translation>尚未审核。</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>waiting to sync</source>
        <translation>待同步</translation>
    </message>
    <message>
        <source>refused by the server</source>
        <translation>服务器已拒绝</translation>
    </message>
    <message>
        <source>Return for correction</source>
        <translation>退回修改</translation>
    </message>
    <message>
        <source>Why is the visit returned? The manager sees this reason.</source>
        <translation>退回原因（客户经理会看到）：</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>评论</translation>
    </message>
    <message>
        <source>Your comment on this visit:</source>
        <translation>对本次拜访的评论：</translation>
    </message>
</context>
<context>
    <name>VisitHistoryModel</name>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Failed items</source>
        <translation>不合格项</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>VisitScreen</name>
    <message>
        <source>Discard this visit?</source>
        <translation>放弃这次拜访？</translation>
    </message>
    <message>
        <source>The visit at {store} and everything entered in it (answers, notes, photos, follow-ups) will be thrown away. This cannot be undone.</source>
        <translation>{store} 的这次拜访及其中录入的所有内容（检查结果、记录、照片、待办）都将被删除，且无法恢复。</translation>
    </message>
    <message>
        <source>This customer no longer exists.</source>
        <translation>该客户已不存在。</translation>
    </message>
    <message>
        <source>Visit {store}</source>
        <translation>拜访 {store}</translation>
    </message>
    <message>
        <source>A visit at {store} is still in progress (checked in at {time}). Check out of it before starting another one.</source>
        <translation>{store} 的拜访仍在进行中（{time} 签到）。请先签退，再开始新的拜访。</translation>
    </message>
    <message>
        <source>Go to that visit</source>
        <translation>转到该拜访</translation>
    </message>
    <message>
        <source>A visit at this store is already in progress.</source>
        <translation>该店已有一次正在进行的拜访。</translation>
    </message>
    <message>
        <source>No checklist template is installed on this laptop: the visit will have no checklist.</source>
        <translation>这台电脑上未安装检查表模板：本次拜访将没有检查表。</translation>
    </message>
    <message>
        <source>This visit no longer exists.</source>
        <translation>这次拜访已不存在。</translation>
    </message>
    <message>
        <source>class {klass}</source>
        <translation>{klass} 类</translation>
    </message>
    <message>
        <source>licence until {date}</source>
        <translation>许可证有效期至 {date}</translation>
    </message>
    <message>
        <source>Checked in {start} · checked out {end} · {duration}</source>
        <translation>{start} 签到 · {end} 签退 · 用时 {duration}</translation>
    </message>
    <message>
        <source>Checked in at {time} · {duration} so far</source>
        <translation>{time} 签到 · 已进行 {duration}</translation>
    </message>
    <message>
        <source>Position at check-in; click to correct it</source>
        <translation>签到位置；点击可更正</translation>
    </message>
    <message>
        <source>Enter position</source>
        <translation>填写位置</translation>
    </message>
    <message>
        <source>Where you are, if you know it (e.g. from a phone)</source>
        <translation>您所在的位置（如已知，例如从手机获取）</translation>
    </message>
    <message>
        <source>An edit could not be saved: {error}</source>
        <translation>有修改未能保存：{error}</translation>
    </message>
    <message>
        <source>Checklist</source>
        <translation>检查表</translation>
    </message>
    <message>
        <source>{passed} pass · {failed} fail · {na} N/A · {open} open</source>
        <translation>合格 {passed} · 不合格 {failed} · 不适用 {na} · 未答 {open}</translation>
    </message>
    <message>
        <source>Checklist {answered}/{total}</source>
        <translation>检查表 {answered}/{total}</translation>
    </message>
    <message>
        <source>Attach a photo</source>
        <translation>添加照片</translation>
    </message>
    <message>
        <source>Images ({patterns})</source>
        <translation>图片 ({patterns})</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>The clipboard holds no image. Copy a photo first, then paste it here.</source>
        <translation>剪贴板中没有图片。请先复制照片，再粘贴到这里。</translation>
    </message>
    <message>
        <source>The photo {name} was not attached.</source>
        <translation>照片 {name} 未添加。</translation>
    </message>
    <message>
        <source>The photo was not attached.</source>
        <translation>照片未添加。</translation>
    </message>
    <message>
        <source>Follow-ups ({count})</source>
        <translation>待办（{count}）</translation>
    </message>
    <message>
        <source>{count} proposed</source>
        <translation>{count} 条建议</translation>
    </message>
    <message>
        <source>Checked out at {time} after {duration}. Checklist score: {score}.</source>
        <translation>已于 {time} 签退，用时 {duration}。检查得分：{score}。</translation>
    </message>
    <message>
        <source>{count} proposed follow-ups wait for your confirmation.</source>
        <translation>有 {count} 条建议的待办等待您确认。</translation>
    </message>
    <message>
        <source>Review follow-ups</source>
        <translation>查看待办</translation>
    </message>
    <message>
        <source>Check-out refused. Still missing:</source>
        <translation>无法签退，还缺少：</translation>
    </message>
    <message>
        <source>Enter the latitude (-90 to 90) and the longitude (-180 to 180) in degrees, e.g. 28.19 and 113.05.</source>
        <translation>请以度为单位填写纬度（-90 至 90）和经度（-180 至 180），例如 28.19 和 113.05。</translation>
    </message>
    <message>
        <source>No visit in progress</source>
        <translation>当前没有进行中的拜访</translation>
    </message>
    <message>
        <source>Start a visit from today&apos;s plan or from a customer&apos;s file. A visit in progress is saved as you work and reopens here after a restart.</source>
        <translation>请从今日拜访计划或客户档案开始拜访。进行中的拜访会随时自动保存，重新打开软件后会在这里继续。</translation>
    </message>
    <message>
        <source>Type of visit</source>
        <translation>拜访类型</translation>
    </message>
    <message>
        <source>Help the retailer: counter arrangement, display, ordering, e-commerce</source>
        <translation>帮助零售户：柜台整理、陈列、订货、电子商务</translation>
    </message>
    <message>
        <source>Check compliance: licence shown, prices marked, no counterfeit cigarettes</source>
        <translation>检查合规：许可证悬挂、明码标价、无假冒卷烟</translation>
    </message>
    <message>
        <source>Coach the retailer: brand structure, sales analysis, business skills</source>
        <translation>指导零售户：品牌结构、销售分析、经营技巧</translation>
    </message>
    <message>
        <source>Position (optional)</source>
        <translation>位置（选填）</translation>
    </message>
    <message>
        <source>latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>where you are, if you know it</source>
        <translation>如已知，可填写当前位置</translation>
    </message>
    <message>
        <source>Check in now</source>
        <translation>立即签到</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Check out</source>
        <translation>签退</translation>
    </message>
    <message>
        <source>Discard visit…</source>
        <translation>放弃拜访…</translation>
    </message>
    <message>
        <source>Close visit</source>
        <translation>关闭拜访</translation>
    </message>
    <message>
        <source>Customer history</source>
        <translation>客户历史</translation>
    </message>
    <message>
        <source>Save position</source>
        <translation>保存位置</translation>
    </message>
    <message>
        <source>Checklist score</source>
        <translation>检查得分</translation>
    </message>
    <message>
        <source>Photos of the visit</source>
        <translation>拜访照片</translation>
    </message>
    <message>
        <source>No photos of the visit yet. Photos of a checklist item are attached on its row.</source>
        <translation>本次拜访暂无照片。检查项的照片请在该项所在行添加。</translation>
    </message>
    <message>
        <source>Attach image…</source>
        <translation>添加图片…</translation>
    </message>
    <message>
        <source>Paste image</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <source>Visit notes</source>
        <translation>拜访记录</translation>
    </message>
</context>
<context>
    <name>VisitWidgets</name>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Not saved: {error}</source>
        <translation>未保存：{error}</translation>
    </message>
    <message>
        <source>All changes saved</source>
        <translation>已全部保存</translation>
    </message>
    <message>
        <source>Last saved at {time}</source>
        <translation>最后保存于 {time}</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>{hours} h {minutes:02d} min</source>
        <translation>{hours} 小时 {minutes:02d} 分</translation>
    </message>
    <message>
        <source>{km} km</source>
        <translation>{km} 公里</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
</context>
</TS>
