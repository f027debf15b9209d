#!/usr/bin/env python3
"""The dashboard in a real browser (Debian's headless Chromium through Selenium), driven by
BrowserTests.swift, which runs the whole server and a customer on WhatsApp.

Talks to the Swift test by lines: it prints a request (PREPARE, CONFIRM, NOTICE?) and reads one
answer line. Arguments: base URL, staff email, owner email, password, screenshot folder, and the
login of a padel court whose day has bookings, and a platform admin's login.
Exits 0 when every check passed; prints FAIL lines otherwise.
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

base, staff, owner, password, shots, court, admin = sys.argv[1:8]
os.makedirs(shots, exist_ok=True)
failures = []

PHONE = (390, 844)
TABLET = (1024, 1366)


def ask(request):
    print(request, flush=True)
    answer = sys.stdin.readline().strip()
    if not answer:
        raise SystemExit("the test went away after " + request)
    return answer


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL " + message, file=sys.stderr, flush=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--autoplay-policy=no-user-gesture-required", "--lang=en-US", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    return driver


def size(driver, dimensions):
    # The window's inner size is what a phone or tablet shows; add the frame headless keeps.
    driver.set_window_size(*dimensions)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(dimensions[0] * 2 - inner[0], dimensions[1] * 2 - inner[1])


def shot(driver, name):
    if driver.execute_script("return window.innerWidth") <= PHONE[0]:
        check_fits(driver, name)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    if height > driver.execute_script("return window.innerHeight"):
        current = driver.get_window_size()
        driver.set_window_size(current["width"], current["height"] + height - driver.execute_script("return window.innerHeight"))
    driver.save_screenshot(os.path.join(shots, name + ".png"))
    print("screenshot " + name + f" ({width}px wide)", file=sys.stderr, flush=True)


def sign_in(driver, email):
    driver.get(base + "/dashboard/sign-in?lang=en")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "columns")))


def check_fits(driver, what):
    # Nothing sticks out sideways on a phone: the widest offenders are named when something does.
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    culprits = driver.execute_script(
        "return Array.from(document.querySelectorAll('body *')).filter(e => {"
        " const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1 || r.left < -1; })"
        ".slice(0, 4).map(e => e.tagName + '.' + e.className.baseVal + e.className + ' ' +"
        " Math.round(e.getBoundingClientRect().width) + 'px')")
    check(overflow <= 0, what + " fits a phone's width (overflow " + str(overflow) + " px: " + str(culprits) + ")")


def tickets(driver):
    return {element.get_attribute("data-order") for element in driver.find_elements(By.CSS_SELECTOR, ".ticket")}


driver = browser()
try:
    # The sign-in page, in English on a phone, then a wrong password.
    size(driver, PHONE)
    driver.get(base + "/dashboard/sign-in?lang=en")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr", "English is left to right")
    shot(driver, "sign-in-en-phone")
    driver.find_element(By.NAME, "email").send_keys(staff)
    driver.find_element(By.NAME, "password").send_keys("not the password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    error = WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".error")))
    check("Wrong email or password" in error.text, "a wrong password says so: " + error.text)

    # The staff login's board. A customer orders on WhatsApp; the ticket appears by itself.
    sign_in(driver, staff)
    check("connection" in driver.page_source, "the board shows its connection state")
    WebDriverWait(driver, 10).until(
        lambda d: "live" in d.find_element(By.ID, "connection").get_attribute("class").split()
        and d.execute_script("return document.readyState") == "complete")
    time.sleep(0.5)
    before = tickets(driver)
    check(ask("PREPARE") == "READY", "the customer's cart is ready")
    started = time.monotonic()
    order = ask("CONFIRM")
    try:
        # Without a reload: the live stream brings it. (How fast is measured by `talab bench
        # dashboard`, not here: this test shares two cores with the whole suite.)
        WebDriverWait(driver, 15, poll_frequency=0.02).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'.ticket[data-order="{order}"]'))
        elapsed = time.monotonic() - started
        print(f"order on the board {elapsed * 1000:.0f} ms after the confirming webhook", file=sys.stderr, flush=True)
    except Exception:
        check(False, "the order " + order + " never appeared; board had " + str(before))
    ticket = driver.find_element(By.CSS_SELECTOR, f'.ticket[data-order="{order}"]')
    check("Falafel" in ticket.text, "the ticket lists the items: " + ticket.text)
    shot(driver, "board-en-phone")

    # Accept it with a preparation time: it moves to Accepted and the customer is told.
    ticket.find_element(By.CSS_SELECTOR, 'button[data-action="accept"]').click()
    WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'.column[data-column="accepted"] .ticket[data-order="{order}"]'))
    check(ask("NOTICE " + order) == "NOTIFIED", "the customer's notice reached the Graph API")
    size(driver, TABLET)
    driver.refresh()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "columns")))
    shot(driver, "board-en-tablet")

    # The order's page.
    driver.get(base + "/dashboard/orders/" + order)
    check("Falafel" in driver.page_source, "the order page lists its items")
    shot(driver, "order-en-tablet")

    # A staff login cannot open settings: a friendly page, not JSON.
    driver.get(base + "/dashboard/settings")
    check("Not for this login" in driver.page_source, "staff are refused settings")

    # Arabic, right to left, on a tablet and on a phone.
    driver.get(base + "/dashboard/board?lang=ar")
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "columns")))
    html = driver.find_element(By.TAG_NAME, "html")
    check(html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar", "Arabic is right to left")
    check("قيد التحضير" in driver.page_source, "the columns are in Arabic")
    # Read in one script: the live refresh may replace the columns between two calls.
    lefts = driver.execute_script(
        "return Array.from(document.querySelectorAll('.column')).map(c => c.getBoundingClientRect().left)")
    check(lefts[0] > lefts[2], "the first column is on the right in Arabic: " + str(lefts))
    shot(driver, "board-ar-tablet")
    size(driver, PHONE)
    driver.refresh()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "columns")))
    shot(driver, "board-ar-phone")
    driver.get(base + "/dashboard/orders/" + order)
    shot(driver, "order-ar-phone")

    # The owner may open settings.
    driver.delete_all_cookies()
    sign_in(driver, owner)
    driver.get(base + "/dashboard/settings?lang=en")
    check(staff in driver.page_source, "the owner sees the business's logins")
    shot(driver, "settings-en-phone")

    # The history finds the order by its number; its page shows the WhatsApp conversation.
    driver.get(base + "/dashboard/history?lang=en&q=" + order[:8])
    check(order[:8] in driver.page_source, "the history finds the order by its number")
    shot(driver, "history-en-phone")
    driver.get(base + "/dashboard/orders/" + order + "?lang=en")
    conversation = driver.find_elements(By.CSS_SELECTOR, ".conversation .inbound")
    check(any("falafel" in message.text for message in conversation), "the order page shows the customer's messages")
    shot(driver, "order-conversation-en-phone")

    # The owner "86"es an item from the menu page: a commit in their name, the item greyed.
    driver.get(base + "/dashboard/menu?lang=en")
    shot(driver, "menu-en-phone")
    driver.find_element(By.CSS_SELECTOR, '[data-item="falafel-sandwich"] button[data-action="86"]').click()
    WebDriverWait(driver, 20).until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".done")))
    item = driver.find_element(By.CSS_SELECTOR, '[data-item="falafel-sandwich"]')
    check("availability-out_of_stock" in item.get_attribute("class"), "the item shows out of stock")
    committed = ask("COMMITTED?")
    check(committed.startswith("Rima Haddad: abu-salim-grill: 86 Falafel Sandwich"), "the commit is the owner's: " + committed)
    size(driver, TABLET)
    driver.get(base + "/dashboard/menu?lang=ar")
    shot(driver, "menu-ar-tablet")

    # The owner pauses new orders at Hamra from the settings page, then takes them again.
    driver.get(base + "/dashboard/settings?lang=en")
    driver.find_element(By.CSS_SELECTOR, '[data-branch="hamra"] button[data-action="pause"]').click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-branch="hamra"] button[data-action="reopen"]'))
    check("Paused" in driver.find_element(By.CSS_SELECTOR, '[data-branch="hamra"]').text, "Hamra shows paused")
    shot(driver, "settings-paused-en-tablet")
    driver.find_element(By.CSS_SELECTOR, '[data-branch="hamra"] button[data-action="reopen"]').click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-branch="hamra"] button[data-action="pause"]'))

    # The customers the restaurant has, and one of them with every order.
    driver.get(base + "/dashboard/customers?lang=en")
    rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-customer]")
    check(any("Rami" in row.text for row in rows), "the customers list shows the customer who ordered")
    shot(driver, "customers-en-tablet")
    driver.find_element(By.CSS_SELECTOR, "tr[data-customer] a").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, "section.customer")))
    check(order[:8] in driver.page_source, "the customer's page lists their order")
    shot(driver, "customer-en-tablet")

    # Analytics are premium: the owner of a standard business is shown what it would get (402).
    driver.get(base + "/dashboard/analytics?lang=en")
    check("Analytics come with Premium" in driver.page_source, "a standard business sees the upgrade page")
    shot(driver, "upgrade-en-tablet")

    # The owner invites a new cashier from settings; the link opens once, in French here, and
    # the new login lands on the board.
    size(driver, PHONE)
    driver.get(base + "/dashboard/settings?lang=en")
    form = driver.find_element(By.CSS_SELECTOR, "form.invite")
    form.find_element(By.NAME, "email").send_keys("nour@abu-salim.example")
    form.find_element(By.CSS_SELECTOR, 'button[data-action="invite"]').click()
    link = WebDriverWait(driver, 10).until(
        conditions.presence_of_element_located((By.CSS_SELECTOR, ".invitation-link code"))).text
    check(link.startswith(base + "/dashboard/join/"), "the invitation link is whole: " + link)
    check("nour@abu-salim.example" in driver.find_element(By.CSS_SELECTOR, "table.invitations").text,
          "the invitation is listed")
    shot(driver, "settings-invited-en-phone")
    driver.delete_all_cookies()
    driver.get(link + "?lang=fr")
    check("Rejoindre" in driver.page_source, "the invitation page is in French")
    shot(driver, "join-fr-phone")
    driver.find_element(By.NAME, "display_name").send_keys("Nour")
    driver.find_element(By.NAME, "password").send_keys("nour has her own password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.ID, "columns")))
    check("Nouvelles" in driver.page_source, "the new login's board is in French")
    shot(driver, "board-fr-phone")
    driver.get(link)
    check(driver.find_elements(By.CSS_SELECTOR, ".join .error") and not driver.find_elements(By.NAME, "password"),
          "an invitation opens once")

    # A padel court's desk: the day's bookings, on a tablet in English and a phone in Arabic.
    driver.delete_all_cookies()
    size(driver, TABLET)
    sign_in(driver, court)
    driver.get(base + "/dashboard/bookings?lang=en")
    slots = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, ".bookings td.slot")]
    check(slots == ["18:00–19:00", "20:00–21:30"], "the day's bookings in time order: " + str(slots))
    shot(driver, "bookings-en-tablet")
    size(driver, PHONE)
    driver.get(base + "/dashboard/bookings?lang=ar")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl", "the bookings page is right to left")
    shot(driver, "bookings-ar-phone")
    driver.find_element(By.CSS_SELECTOR, 'a[data-day="next"]').click()
    check("لا حجوزات" in driver.page_source, "the next day has none")

    # The platform's admin lands on the businesses, makes the restaurant premium, reads the runs.
    driver.delete_all_cookies()
    size(driver, TABLET)
    driver.get(base + "/dashboard/sign-in?lang=en")
    driver.find_element(By.NAME, "email").send_keys(admin)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-business]")))
    check(driver.current_url.endswith("/dashboard/admin"), "an admin lands on the businesses: " + driver.current_url)
    restaurant = driver.find_element(By.CSS_SELECTOR, '[data-business="abu-salim-grill"]')
    restaurant.find_element(By.CSS_SELECTOR, 'select[name="type"] option[value="premium"]').click()
    price = restaurant.find_element(By.NAME, "price")
    price.clear()
    price.send_keys("49.00")
    restaurant.find_element(By.CSS_SELECTOR, 'button[data-action="save-subscription"]').click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".done")))
    restaurant = driver.find_element(By.CSS_SELECTOR, '[data-business="abu-salim-grill"]')
    check("premium" in restaurant.find_element(By.CSS_SELECTOR, ".badge").get_attribute("class"),
          "the restaurant shows premium")
    shot(driver, "admin-businesses-en-tablet")
    driver.get(base + "/dashboard/admin/runs")
    shot(driver, "admin-runs-en-tablet")
    driver.find_element(By.CSS_SELECTOR, "[data-run] a").click()
    WebDriverWait(driver, 10).until(conditions.presence_of_element_located((By.CSS_SELECTOR, "table.changes")))
    check("Tenants/" in driver.page_source, "a run's changes name their files")
    check("out_of_stock" in driver.find_element(By.CSS_SELECTOR, "table.changes ins").text,
          "the latest run is the owner's 86, shown as the field it changed")
    shot(driver, "admin-run-en-tablet")
    size(driver, PHONE)
    driver.get(base + "/dashboard/admin?lang=ar")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl", "the admin pages are right to left in Arabic")
    shot(driver, "admin-businesses-ar-phone")
    driver.get(base + "/dashboard/admin/accounts?lang=ar")
    shot(driver, "admin-accounts-ar-phone")

    # Now premium, the owner reads six weeks of analytics, on a tablet in English and a phone in Arabic.
    driver.delete_all_cookies()
    size(driver, TABLET)
    sign_in(driver, owner)
    driver.get(base + "/dashboard/analytics?period=30d&lang=en")
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    check(len(charts) == 6, "the analytics page draws six charts: " + str(len(charts)))
    check("Chicken Shawarma" in driver.page_source, "the most ordered items are named")
    shot(driver, "analytics-en-tablet")
    size(driver, PHONE)
    driver.get(base + "/dashboard/analytics?period=30d&lang=ar")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl", "analytics are right to left in Arabic")
    shot(driver, "analytics-ar-phone")
finally:
    driver.quit()

if failures:
    sys.exit(1)
print("DONE", flush=True)
